import type { Detections, RuleEvent, RuleType, Severity } from '../shared/types.js';
import { DistancingRule, type DistancingOptions, type DistancingRuleConfig } from './distancing.js';
import { RuleConfigError } from './errors.js';
import { GatheringRule, WHOLE_FRAME, type GatheringOptions, type GatheringRuleConfig } from './gathering.js';
import { LineCrossRule, type LineRuleConfig } from './line-cross.js';
import { LoiteringRule } from './loitering.js';
import { NoMaskRule, type MaskConsensusConfig, type NoMaskOptions } from './no-mask.js';
import type { Rule } from './rule.js';
import { activeOutsideWindows, type WindowInput } from './schedule.js';
import { TamperRule, type TamperOptions } from './tamper.js';
import type { Thumbnail } from './thumbnail.js';
import { ZoneIntrusionRule } from './zone-intrusion.js';
import type { ZoneRuleConfig } from './zone-presence.js';

/**
 * The rules of one camera, coordinates already scaled to the detect resolution. The config stage's
 * `CameraConfig['rules']` fits this shape as is; every part is optional so tests and older callers
 * can give only what they need (a part left out is off).
 */
export interface CameraRulesConfig {
  readonly lines?: readonly LineRuleConfig[];
  readonly zones?: readonly ZoneRuleConfig[];
  readonly gathering?: GatheringRuleConfig | null;
  /** Built only when it has a calibration and is not `enabled: false`; otherwise listed in `disabled`. */
  readonly distancing?:
    | (DistancingRuleConfig & { readonly enabled?: boolean; readonly disabled_reason?: string | null })
    | null;
  readonly mask?: boolean;
  readonly tamper?: boolean;
  /** Severity of the camera-wide mask and tamper rules; null/absent: the type's default. */
  readonly mask_severity?: Severity | null;
  readonly tamper_severity?: Severity | null;
  /** Daily windows (facility local time) in which crossing lines / being in zones is allowed. */
  readonly schedule?: { readonly allow_lines?: readonly WindowInput[]; readonly allow_zones?: readonly WindowInput[] };
}

export interface RuleEngineOptions {
  /** The facility's offset from UTC in minutes (Vietnam: 420), for schedule windows. */
  readonly utcOffsetMin: number;
  /** The mask consensus (config's `models.mask`); defaults per ANALYTICS.md. */
  readonly mask?: Partial<MaskConsensusConfig>;
  readonly noMask?: NoMaskOptions;
  readonly gathering?: GatheringOptions;
  readonly distancing?: DistancingOptions;
  readonly tamper?: TamperOptions;
}

/** A configured rule that is not running, and why (for the log and `check-config`). */
export interface DisabledRule {
  readonly type: RuleType;
  readonly reason: string;
}

/**
 * All rules of one camera. Per frame: every rule sees the tracked detections (and the thumbnail,
 * for the tamper rule), then every rule forgets the tracks the tracker ended, so per-track state
 * stays flat in all of them.
 */
export class RuleEngine {
  private cameraId: string | null = null;

  constructor(
    readonly rules: readonly Rule[],
    /** Configured but not running (e.g. distancing without a calibration). */
    readonly disabled: readonly DisabledRule[] = [],
    /** The configured severity of a rule, by rule id; a rule not named here leaves its events' severity unset. */
    private readonly severities: ReadonlyMap<string, Severity> = new Map(),
  ) {
    const ids = new Set<string>();
    for (const r of rules) {
      if (ids.has(r.id)) throw new RuleConfigError(`rule id "${r.id}" is used twice on one camera; ids must be unique`);
      ids.add(r.id);
    }
  }

  /**
   * Builds the engine from a camera's config; bad settings throw a `RuleConfigError` naming them.
   * Rule ids: a line's id; `<zone>.intrusion`, `<zone>.loitering`, `<zone|whole-frame>.gathering`,
   * `camera.distancing`, `camera.no-mask`, `camera.tamper` (config ids have no dots, so these
   * never clash with a line's).
   */
  static fromConfig(config: CameraRulesConfig, options: RuleEngineOptions): RuleEngine {
    const lineActive = activeOutsideWindows(config.schedule?.allow_lines ?? [], options.utcOffsetMin, 'schedule.allow_lines');
    const zoneActive = activeOutsideWindows(config.schedule?.allow_zones ?? [], options.utcOffsetMin, 'schedule.allow_zones');
    const rules: Rule[] = [];
    const disabled: DisabledRule[] = [];
    const severities = new Map<string, Severity>();
    const add = (rule: Rule, severity: Severity | null | undefined): void => {
      rules.push(rule);
      if (severity) severities.set(rule.id, severity);
    };
    for (const line of config.lines ?? []) add(new LineCrossRule(line, { activeAt: lineActive }), line.severity);
    const zones = config.zones ?? [];
    for (const zone of zones) {
      if (zone.intrusion === true) add(new ZoneIntrusionRule(zone, { activeAt: zoneActive }), zone.severity);
      if (zone.loitering_s !== undefined && zone.loitering_s !== null) add(new LoiteringRule(zone, { activeAt: zoneActive }), zone.severity);
    }
    const g = config.gathering;
    if (g) {
      const area = g.zone === WHOLE_FRAME ? null : (zones.find((z) => z.id === g.zone)?.polygon ?? null);
      add(new GatheringRule(g, area, options.gathering), g.severity);
    }
    const d = config.distancing;
    if (d) {
      if (d.enabled === false || !d.calibration) {
        disabled.push({ type: 'distancing', reason: d.disabled_reason ?? 'no calibration: distances in metres need 4 image points with their floor positions' });
      } else {
        add(new DistancingRule(d, options.distancing), d.severity);
      }
    }
    if (config.mask === true) add(new NoMaskRule(options.mask, options.noMask), config.mask_severity);
    if (config.tamper === true) add(new TamperRule(options.tamper), config.tamper_severity);
    return new RuleEngine(rules, disabled, severities);
  }

  /**
   * One frame: `expired` are the track ids the tracker ended with this same frame; `thumbnail` is
   * the frame as a small gray picture, for the tamper rule (without it tamper judges nothing).
   */
  update(dets: Detections, expired: readonly number[] = [], thumbnail?: Thumbnail): RuleEvent[] {
    if (this.cameraId === null) this.cameraId = dets.cameraId;
    else if (dets.cameraId !== this.cameraId) {
      throw new Error(
        `rule engine of camera "${this.cameraId}" was given detections of camera "${dets.cameraId}"; ` +
          'use one RuleEngine per camera',
      );
    }
    const events: RuleEvent[] = [];
    for (const r of this.rules) events.push(...r.update(dets, thumbnail));
    if (expired.length > 0) for (const r of this.rules) events.push(...r.endTracks(expired, dets));
    return this.severities.size === 0 ? events : events.map((e) => this.withSeverity(e));
  }

  /** The event with its rule's configured severity (the lifecycle gives the violation that severity). */
  private withSeverity(e: RuleEvent): RuleEvent {
    const severity = this.severities.get(e.rule.id);
    return severity === undefined ? e : { ...e, severity };
  }

  /** The running rules as the hub's birth message lists them. */
  describe(): { id: string; type: RuleType; version: number }[] {
    return this.rules.map((r) => ({ id: r.id, type: r.type, version: r.version }));
  }

  /** Per-track states held across all rules; for metrics and the memory tests. */
  stateSize(): number {
    return this.rules.reduce((n, r) => n + r.stateSize(), 0);
  }
}
