import type { Box, Detections, EpochMs, MonoMs, RuleEvent } from '../shared/types.js';
import { RuleConfigError } from './errors.js';
import { COMMON_DEFAULTS, confirmed, mean, ruleEvent, type CommonRuleOptions } from './emit.js';
import type { Rule } from './rule.js';
import { TrackTable } from './track-table.js';
import { positiveInt, secondsMs } from './validate.js';

/** Bump when the consensus changes. */
export const NO_MASK_VERSION = 1;

/** The consensus settings; config's `models.mask` has this shape (its `min_face_px` is vision's). */
export interface MaskConsensusConfig {
  /** A classified face counts only with a score at least this. */
  readonly threshold: number;
  /** Counted samples needed before a track can be judged. */
  readonly min_samples: number;
  /** Fraction of counted samples that must say no-mask. */
  readonly agreement: number;
  /** An open violation ends once the mask has been seen on for this long. */
  readonly clear_s: number;
}

export interface NoMaskOptions extends CommonRuleOptions {
  /** The consensus looks at a track's last this-many counted samples (at least `min_samples`). */
  readonly window?: number;
}

export const NO_MASK_DEFAULTS = { threshold: 0.8, min_samples: 3, agreement: 0.6, clear_s: 10, window: 10 } as const;

type Counted = 'mask' | 'no_mask';

interface TrackState {
  /** Last counted samples, oldest first; at most `window`. */
  readonly states: Counted[];
  readonly scores: number[];
  /** Key of the open violation, if any. */
  openKey: string | null;
  /** This track had its violation; one per track. */
  reported: boolean;
  /** While open: first counted `mask` sample since the last counted `no_mask` one. */
  maskSince: MonoMs | null;
  box: Box;
  score: number;
}

/**
 * `no_mask`, decided by consensus over a person track's classified face crops, never per frame:
 * - a sample is a detection's `attributes.mask`; it counts only when its state is `mask` or
 *   `no_mask` and its score is at least `threshold`. `unknown` (face too small, turned away, not
 *   found) never counts, so it can never make a no-mask;
 * - once the track's last `window` counted samples number at least `min_samples` and at least
 *   `agreement` of them say `no_mask`, the violation starts (one per track);
 * - it ends when the track ends, or once counted `mask` samples span `clear_s` with no counted
 *   `no_mask` among them (the person put a mask on).
 * Default id `camera.no-mask`.
 */
export class NoMaskRule implements Rule {
  readonly type = 'no_mask' as const;
  readonly version = NO_MASK_VERSION;
  readonly id: string;
  private readonly threshold: number;
  private readonly minSamples: number;
  private readonly agreement: number;
  private readonly clearMs: number;
  private readonly window: number;
  private readonly cls: string;
  private readonly activeAt: (wallTs: EpochMs) => boolean;
  private readonly tracks: TrackTable<TrackState>;

  constructor(config: Partial<MaskConsensusConfig> = {}, options: NoMaskOptions = {}) {
    this.id = options.id ?? 'camera.no-mask';
    const c = { ...NO_MASK_DEFAULTS, ...config };
    this.threshold = fraction(c.threshold, 'mask: threshold');
    this.agreement = fraction(c.agreement, 'mask: agreement');
    if (this.agreement === 0) throw new RuleConfigError('mask: agreement must be > 0, or every judged face would be a violation');
    this.minSamples = positiveInt(c.min_samples, 'mask: min_samples');
    this.clearMs = secondsMs(c.clear_s, 'mask: clear_s');
    this.window = Math.max(this.minSamples, positiveInt(options.window ?? NO_MASK_DEFAULTS.window, 'mask: window'));
    this.cls = options.cls ?? COMMON_DEFAULTS.cls;
    this.activeAt = options.activeAt ?? (() => true);
    this.tracks = new TrackTable(secondsMs(options.staleS ?? COMMON_DEFAULTS.staleS, 'mask: staleS'));
  }

  update(dets: Detections): RuleEvent[] {
    const events: RuleEvent[] = [];
    for (const d of confirmed(dets, this.cls)) {
      const s = this.tracks.touch(d.trackId, dets.ts, () => ({
        states: [],
        scores: [],
        openKey: null,
        reported: false,
        maskSince: null,
        box: d.box,
        score: d.score,
      }));
      s.box = d.box;
      s.score = d.score;
      const sample = d.attributes?.mask;
      if (!sample || !(sample.score >= this.threshold) || (sample.state !== 'mask' && sample.state !== 'no_mask')) continue;
      s.states.push(sample.state);
      s.scores.push(sample.score);
      if (s.states.length > this.window) {
        s.states.shift();
        s.scores.shift();
      }
      if (s.openKey !== null) {
        if (sample.state === 'no_mask') s.maskSince = null;
        else {
          s.maskSince ??= dets.ts;
          if (dets.ts - s.maskSince >= this.clearMs) events.push(this.close(dets, d.trackId, s));
        }
      } else if (!s.reported && this.agrees(s) && this.activeAt(dets.wallTs)) {
        s.openKey = `${d.trackId}`;
        s.reported = true;
        events.push(this.event(dets, 'start', d.trackId, s));
      }
    }
    for (const [id, s] of this.tracks.sweep(dets.ts)) if (s.openKey !== null) events.push(this.event(dets, 'end', id, s));
    return events;
  }

  endTracks(trackIds: readonly number[], dets: Detections): RuleEvent[] {
    const events: RuleEvent[] = [];
    for (const id of trackIds) {
      const s = this.tracks.take(id);
      if (s !== undefined && s.openKey !== null) events.push(this.event(dets, 'end', id, s));
    }
    return events;
  }

  stateSize(): number {
    return this.tracks.size;
  }

  private agrees(s: TrackState): boolean {
    const n = s.states.length;
    if (n < this.minSamples) return false;
    const noMask = s.states.filter((x) => x === 'no_mask').length;
    // Integer count against a fraction: 3 of 5 at 0.6 must pass despite 0.6·5 = 3.0000000000000004.
    return noMask >= this.agreement * n - 1e-9;
  }

  private close(dets: Detections, trackId: number, s: TrackState): RuleEvent {
    const e = this.event(dets, 'end', trackId, s);
    s.openKey = null;
    s.maskSince = null;
    return e;
  }

  private event(dets: Detections, phase: 'start' | 'end', trackId: number, s: TrackState): RuleEvent {
    const noMaskScores = s.scores.filter((_, i) => s.states[i] === 'no_mask');
    return ruleEvent(this, dets, phase, s.openKey ?? `${trackId}`, {
      trackIds: [trackId],
      boxes: [s.box],
      people: 1,
      confidence: noMaskScores.length > 0 ? mean(noMaskScores) : s.score,
    });
  }
}

function fraction(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) {
    throw new RuleConfigError(`${where} must be a number from 0 to 1 (got ${String(v)})`);
  }
  return v;
}
