import type { Detections, RuleEvent } from '../shared/types.js';
import { RuleConfigError } from './errors.js';
import { LineCrossRule, type LineRuleConfig } from './line-cross.js';
import type { Rule } from './rule.js';
import { activeOutsideWindows } from './schedule.js';

/** The rules of one camera, coordinates already scaled to the detect resolution. */
export interface CameraRulesConfig {
  readonly lines?: readonly LineRuleConfig[];
  /** Daily `"HH:MM-HH:MM"` windows (facility local time) in which crossing lines is allowed. */
  readonly schedule?: { readonly allow_lines?: readonly string[] };
}

export interface RuleEngineOptions {
  /** The facility's offset from UTC in minutes (Vietnam: 420), for schedule windows. */
  readonly utcOffsetMin: number;
}

/**
 * All rules of one camera. Per frame: every rule sees the tracked detections, then every rule
 * forgets the tracks the tracker ended, so per-track state stays flat in all of them.
 */
export class RuleEngine {
  private cameraId: string | null = null;

  constructor(readonly rules: readonly Rule[]) {
    const ids = new Set<string>();
    for (const r of rules) {
      if (ids.has(r.id)) throw new RuleConfigError(`rule id "${r.id}" is used twice on one camera; ids must be unique`);
      ids.add(r.id);
    }
  }

  /** Builds the engine from a camera's config; bad settings throw a `RuleConfigError` naming them. */
  static fromConfig(config: CameraRulesConfig, options: RuleEngineOptions): RuleEngine {
    const allowed = config.schedule?.allow_lines ?? [];
    const activeAt = activeOutsideWindows(allowed, options.utcOffsetMin, 'schedule.allow_lines');
    const rules: Rule[] = (config.lines ?? []).map((line) => new LineCrossRule(line, { activeAt }));
    return new RuleEngine(rules);
  }

  /** One frame: `expired` are the track ids the tracker ended with this same frame. */
  update(dets: Detections, expired: readonly number[] = []): RuleEvent[] {
    if (this.cameraId === null) this.cameraId = dets.cameraId;
    else if (dets.cameraId !== this.cameraId) {
      throw new Error(
        `rule engine of camera "${this.cameraId}" was given detections of camera "${dets.cameraId}"; ` +
          'use one RuleEngine per camera',
      );
    }
    const events: RuleEvent[] = [];
    for (const r of this.rules) events.push(...r.update(dets));
    if (expired.length > 0) for (const r of this.rules) events.push(...r.endTracks(expired, dets));
    return events;
  }

  /** Per-track states held across all rules; for metrics and the memory tests. */
  stateSize(): number {
    return this.rules.reduce((n, r) => n + r.stateSize(), 0);
  }
}
