import type { Box, Detections, EpochMs, MonoMs, RuleEvent, Severity } from '../shared/types.js';
import { RuleConfigError } from './errors.js';
import { COMMON_DEFAULTS, confirmed, ruleEvent, type CommonRuleOptions } from './emit.js';
import { bottomCentre, type Point } from './geometry.js';
import { Homography, type Quad } from './homography.js';
import type { Rule } from './rule.js';
import { secondsMs } from './validate.js';

/** Bump when what counts as too close changes. */
export const DISTANCING_VERSION = 1;

export interface CalibrationConfig {
  /** Four image points (detect pixels) around a floor area, in order around its edge. */
  readonly image: Quad;
  /** The same four points on the floor, in metres, in the same order. */
  readonly floor: Quad;
}

export interface DistancingRuleConfig {
  readonly min_distance_m: number;
  readonly min_duration_s?: number;
  /** Without it the rule cannot run: pixels are not metres. */
  readonly calibration: CalibrationConfig | null;
  readonly severity?: Severity | null;
}

export interface DistancingOptions extends CommonRuleOptions {
  /** An open pair ends after being apart (at least `min_distance_m`) this long. */
  readonly clearS?: number;
  /** While a pair's time together builds up, being apart for less than this does not restart it. */
  readonly graceS?: number;
}

export const DISTANCING_DEFAULTS = { min_distance_m: 1, min_duration_s: 10, clearS: 2, graceS: 1 } as const;

interface PairState {
  readonly a: number;
  readonly b: number;
  closeSince: MonoMs;
  apartSince: MonoMs | null;
  /** The key of its open violation; null while it is only building up. */
  openKey: string | null;
  lastTogether: MonoMs;
  boxes: readonly [Box, Box];
  confidence: number;
}

/**
 * `distancing`: two confirmed persons whose feet, mapped onto the floor with the camera's
 * calibration (a homography from 4 image points to floor metres), are closer than
 * `min_distance_m` for `min_duration_s`.
 * - One state per pair (key: the two track ids, sorted), held only while they are close or open.
 * - Start after `min_duration_s` close (apart spells shorter than `graceS` do not restart it); end
 *   once apart for `clearS`, or when either track ends or goes stale.
 * - A frame that misses one of the two says nothing about the pair; feet that map beyond the
 *   horizon (outside any floor) are skipped.
 * Default id `camera.distancing`.
 */
export class DistancingRule implements Rule {
  readonly type = 'distancing' as const;
  readonly version = DISTANCING_VERSION;
  readonly id: string;
  readonly homography: Homography;
  private readonly minDistance: number;
  private readonly minDurationMs: number;
  private readonly clearMs: number;
  private readonly graceMs: number;
  private readonly staleMs: number;
  private readonly cls: string;
  private readonly activeAt: (wallTs: EpochMs) => boolean;
  private readonly pairs = new Map<string, PairState>();
  private opened = 0;

  constructor(config: DistancingRuleConfig, options: DistancingOptions = {}) {
    this.id = options.id ?? 'camera.distancing';
    if (config.calibration === null || config.calibration === undefined) {
      throw new RuleConfigError('distancing: needs a calibration (4 image points and their floor positions in metres); without one the rule is off');
    }
    this.homography = Homography.fromPoints(config.calibration.image, config.calibration.floor, 'distancing.calibration');
    this.minDistance = config.min_distance_m;
    if (typeof this.minDistance !== 'number' || !(this.minDistance > 0) || !Number.isFinite(this.minDistance)) {
      throw new RuleConfigError(`distancing: min_distance_m must be a number of metres > 0 (got ${String(config.min_distance_m)})`);
    }
    this.minDurationMs = secondsMs(config.min_duration_s ?? DISTANCING_DEFAULTS.min_duration_s, 'distancing: min_duration_s');
    this.clearMs = secondsMs(options.clearS ?? DISTANCING_DEFAULTS.clearS, 'distancing: clearS');
    this.graceMs = secondsMs(options.graceS ?? DISTANCING_DEFAULTS.graceS, 'distancing: graceS');
    this.staleMs = secondsMs(options.staleS ?? COMMON_DEFAULTS.staleS, 'distancing: staleS');
    this.cls = options.cls ?? COMMON_DEFAULTS.cls;
    this.activeAt = options.activeAt ?? (() => true);
  }

  update(dets: Detections): RuleEvent[] {
    const now = dets.ts;
    const people: { id: number; floor: Point; box: Box; score: number }[] = [];
    for (const d of confirmed(dets, this.cls)) {
      const floor = this.homography.apply(bottomCentre(d.box));
      if (floor) people.push({ id: d.trackId, floor, box: d.box, score: d.score });
    }
    people.sort((p, q) => p.id - q.id);
    const events: RuleEvent[] = [];
    for (let i = 0; i < people.length; i++) {
      for (let j = i + 1; j < people.length; j++) {
        const p = people[i]!;
        const q = people[j]!;
        const close = Math.hypot(p.floor[0] - q.floor[0], p.floor[1] - q.floor[1]) < this.minDistance;
        const k = `${p.id}:${q.id}`;
        let s = this.pairs.get(k);
        if (!s) {
          if (!close) continue;
          s = { a: p.id, b: q.id, closeSince: now, apartSince: null, openKey: null, lastTogether: now, boxes: [p.box, q.box], confidence: 0 };
          this.pairs.set(k, s);
        }
        s.lastTogether = now;
        s.boxes = [p.box, q.box];
        s.confidence = Math.min(p.score, q.score);
        const e = this.step(k, s, close, dets);
        if (e) events.push(e);
      }
    }
    events.push(...this.sweepStale(dets));
    return events;
  }

  endTracks(trackIds: readonly number[], dets: Detections): RuleEvent[] {
    if (trackIds.length === 0) return [];
    const ended = new Set(trackIds);
    const events: RuleEvent[] = [];
    for (const [k, s] of this.pairs) {
      if (!ended.has(s.a) && !ended.has(s.b)) continue;
      this.pairs.delete(k);
      if (s.openKey !== null) events.push(this.event(dets, 'end', s));
    }
    return events;
  }

  /** Pairs held now (close, or open and waiting to clear). */
  stateSize(): number {
    return this.pairs.size;
  }

  private step(k: string, s: PairState, close: boolean, dets: Detections): RuleEvent | null {
    const now = dets.ts;
    if (close) {
      s.apartSince = null;
      if (s.openKey !== null || now - s.closeSince < this.minDurationMs || !this.activeAt(dets.wallTs)) return null;
      s.openKey = `${k}:${++this.opened}`;
      return this.event(dets, 'start', s);
    }
    s.apartSince ??= now;
    const open = s.openKey !== null;
    if (now - s.apartSince < (open ? this.clearMs : this.graceMs)) return null;
    this.pairs.delete(k);
    return open ? this.event(dets, 'end', s) : null;
  }

  private sweepStale(dets: Detections): RuleEvent[] {
    const events: RuleEvent[] = [];
    for (const [k, s] of this.pairs) {
      if (dets.ts - s.lastTogether <= this.staleMs) continue;
      this.pairs.delete(k);
      if (s.openKey !== null) events.push(this.event(dets, 'end', s));
    }
    return events;
  }

  private event(dets: Detections, phase: 'start' | 'end', s: PairState): RuleEvent {
    return ruleEvent(this, dets, phase, s.openKey ?? `${s.a}:${s.b}`, {
      trackIds: [s.a, s.b],
      boxes: s.boxes,
      people: 2,
      confidence: s.confidence,
    });
  }
}
