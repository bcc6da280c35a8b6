import type { Detections, EpochMs, MonoMs, RuleEvent, Severity } from '../shared/types.js';
import { RuleConfigError } from './errors.js';
import { COMMON_DEFAULTS, confirmed, mean, ruleEvent, type CommonRuleOptions, type Tracked } from './emit.js';
import { bottomCentre, pointInPolygon, type Point } from './geometry.js';
import type { Rule } from './rule.js';
import { positiveInt, secondsMs } from './validate.js';

/** Bump when what counts as a gathering changes. */
export const GATHERING_VERSION = 1;

export const WHOLE_FRAME = 'whole-frame';

export interface GatheringRuleConfig {
  /** A zone id of the same camera, or `whole-frame`. */
  readonly zone: string;
  /** More than this many people is a gathering. */
  readonly max_people: number;
  readonly min_duration_s?: number;
  readonly clear_s?: number;
  readonly severity?: Severity | null;
}

export interface GatheringOptions extends CommonRuleOptions {
  /**
   * While a gathering is building up, dips to `max_people` or fewer shorter than this do not
   * restart the clock: a detector misses somebody in one frame out of a few, and with 5 people
   * "all five seen in 50 frames in a row" would almost never hold.
   */
  readonly graceS?: number;
  /** A new head count must hold this many frames in a row before an `update` reports it. */
  readonly stableFrames?: number;
}

export const GATHERING_DEFAULTS = { min_duration_s: 10, clear_s: 10, graceS: 1, stableFrames: 3 } as const;

type State =
  | { readonly phase: 'idle' }
  | { readonly phase: 'building'; readonly overSince: MonoMs; underSince: MonoMs | null }
  | { readonly phase: 'active'; people: number; underSince: MonoMs | null; candidate: number; candidateFrames: number };

/**
 * `gathering`: at least `max_people + 1` confirmed persons with their feet in the zone (or in the
 * frame) for `min_duration_s`, with hysteresis, as ANALYTICS.md asks:
 * - start once the count has been over the limit for `min_duration_s` (dips shorter than `graceS`
 *   do not restart the clock);
 * - `update` when the count over the limit changes and the new count held `stableFrames` frames;
 * - end only after the count stayed at or under `max_people` for `clear_s`; a frame over the limit
 *   restarts that clock. A count flapping around the limit every frame is therefore one violation,
 *   not one per flap (DeepStream's per-frame overcrowding flag has exactly that problem).
 * No per-track state: the condition belongs to the area. Default id `<zone>.gathering`.
 */
export class GatheringRule implements Rule {
  readonly type = 'gathering' as const;
  readonly version = GATHERING_VERSION;
  readonly id: string;
  readonly zoneId: string;
  private readonly area: readonly Point[] | null;
  private readonly maxPeople: number;
  private readonly minDurationMs: number;
  private readonly clearMs: number;
  private readonly graceMs: number;
  private readonly stableFrames: number;
  private readonly cls: string;
  private readonly activeAt: (wallTs: EpochMs) => boolean;
  private state: State = { phase: 'idle' };
  private count = 0;

  /** `area`: the zone's polygon, or null for the whole frame. */
  constructor(config: GatheringRuleConfig, area: readonly Point[] | null, options: GatheringOptions = {}) {
    this.zoneId = config.zone;
    this.id = options.id ?? `${config.zone}.gathering`;
    const where = `gathering (zone ${config.zone})`;
    if (config.zone !== WHOLE_FRAME && area === null) {
      throw new RuleConfigError(`${where}: no zone "${config.zone}" on this camera (expected whole-frame or a zone id)`);
    }
    if (area !== null && area.length < 3) throw new RuleConfigError(`${where}: the zone needs at least 3 points`);
    this.area = area;
    this.maxPeople = positiveInt(config.max_people, `${where}: max_people`);
    this.minDurationMs = secondsMs(config.min_duration_s ?? GATHERING_DEFAULTS.min_duration_s, `${where}: min_duration_s`);
    this.clearMs = secondsMs(config.clear_s ?? GATHERING_DEFAULTS.clear_s, `${where}: clear_s`);
    this.graceMs = secondsMs(options.graceS ?? GATHERING_DEFAULTS.graceS, `${where}: graceS`);
    this.stableFrames = positiveInt(options.stableFrames ?? GATHERING_DEFAULTS.stableFrames, `${where}: stableFrames`);
    this.cls = options.cls ?? COMMON_DEFAULTS.cls;
    this.activeAt = options.activeAt ?? (() => true);
  }

  update(dets: Detections): RuleEvent[] {
    const members = confirmed(dets, this.cls).filter((d) => this.area === null || pointInPolygon(bottomCentre(d.box), this.area));
    const n = members.length;
    const over = n > this.maxPeople;
    const now = dets.ts;
    const s = this.state;
    switch (s.phase) {
      case 'idle':
        if (!over) return [];
        this.state = { phase: 'building', overSince: now, underSince: null };
        return this.tryStart(dets, members);
      case 'building':
        if (over) {
          s.underSince = null;
          return this.tryStart(dets, members);
        }
        s.underSince ??= now;
        if (now - s.underSince >= this.graceMs) this.state = { phase: 'idle' };
        return [];
      case 'active':
        if (!over) {
          s.underSince ??= now;
          if (now - s.underSince < this.clearMs) return [];
          this.state = { phase: 'idle' };
          return [this.event(dets, 'end', members, s.people)];
        }
        s.underSince = null;
        if (n === s.people) {
          s.candidateFrames = 0;
          return [];
        }
        if (n === s.candidate) s.candidateFrames++;
        else {
          s.candidate = n;
          s.candidateFrames = 1;
        }
        if (s.candidateFrames < this.stableFrames) return [];
        s.people = n;
        s.candidateFrames = 0;
        return [this.event(dets, 'update', members, n)];
    }
  }

  endTracks(): RuleEvent[] {
    return [];
  }

  /** No per-track state; the area's condition is one small record. */
  stateSize(): number {
    return 0;
  }

  private tryStart(dets: Detections, members: readonly Tracked[]): RuleEvent[] {
    const s = this.state;
    if (s.phase !== 'building' || dets.ts - s.overSince < this.minDurationMs || !this.activeAt(dets.wallTs)) return [];
    this.count++;
    this.state = { phase: 'active', people: members.length, underSince: null, candidate: members.length, candidateFrames: 0 };
    return [this.event(dets, 'start', members, members.length)];
  }

  private event(dets: Detections, phase: RuleEvent['phase'], members: readonly Tracked[], people: number): RuleEvent {
    return ruleEvent(this, dets, phase, `${this.zoneId}:${this.count}`, {
      trackIds: members.map((d) => d.trackId),
      boxes: members.map((d) => d.box),
      people,
      confidence: mean(members.map((d) => d.score)),
      zoneId: this.zoneId,
    });
  }
}
