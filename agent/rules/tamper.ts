import type { Detections, EpochMs, MonoMs, RuleEvent } from '../shared/types.js';
import { ruleEvent, type CommonRuleOptions } from './emit.js';
import { RuleConfigError } from './errors.js';
import { correlation, pictureStats, type PictureStats } from './picture-stats.js';
import type { Rule } from './rule.js';
import { checkThumbnail, type Thumbnail } from './thumbnail.js';
import { secondsMs } from './validate.js';

/** Bump when what counts as tampering changes. */
export const TAMPER_VERSION = 1;

export interface TamperOptions extends Omit<CommonRuleOptions, 'cls' | 'staleS'> {
  /** Covered: gray-level standard deviation below this (a lens under a hand shows a few levels of noise)… */
  readonly minStd?: number;
  /** …or 16-bin histogram entropy (bits) below this (one or two flat levels, e.g. sprayed paint). */
  readonly minEntropy?: number;
  readonly coveredS?: number;
  /** Defocused: sharpness below this fraction of the learned baseline… */
  readonly defocusRatio?: number;
  /** …for this long. */
  readonly defocusS?: number;
  /** Moved: correlation with the reference below this… */
  readonly movedCorr?: number;
  /** …while the new picture stays the same (correlation with itself at the change at least this)… */
  readonly stableCorr?: number;
  /** …for this long. */
  readonly movedS?: number;
  /** Seconds of pictures used to learn the reference and the sharpness baseline before judging. */
  readonly learnS?: number;
  /** Covered / defocused ends after this long without the condition. */
  readonly clearS?: number;
  /** Time constants of the slowly updated reference picture and sharpness baseline. */
  readonly referenceTauS?: number;
  readonly baselineTauS?: number;
}

export const TAMPER_DEFAULTS = {
  minStd: 6,
  minEntropy: 1.25,
  coveredS: 5,
  defocusRatio: 0.35,
  defocusS: 10,
  movedCorr: 0.7,
  stableCorr: 0.8,
  movedS: 5,
  learnS: 10,
  clearS: 3,
  referenceTauS: 60,
  baselineTauS: 300,
} as const;

/** A condition that must hold `onsetMs` to open and be absent `clearMs` to close. */
class Debounced {
  private since: MonoMs | null = null;
  private clearSince: MonoMs | null = null;
  open = false;
  constructor(
    private readonly onsetMs: number,
    private readonly clearMs: number,
  ) {}

  step(holds: boolean, ts: MonoMs, mayStart: boolean): 'start' | 'end' | null {
    if (holds) {
      this.clearSince = null;
      if (this.open) return null;
      this.since ??= ts;
      if (ts - this.since < this.onsetMs || !mayStart) return null;
      this.open = true;
      return 'start';
    }
    this.since = null;
    if (!this.open) return null;
    this.clearSince ??= ts;
    if (ts - this.clearSince < this.clearMs) return null;
    this.open = false;
    this.clearSince = null;
    return 'end';
  }

  /** Forget a condition that was building up (not an open one). */
  cancel(): void {
    this.since = null;
  }
}

interface Learned {
  readonly width: number;
  readonly height: number;
  /** Slowly updated mean picture: the scene as the camera normally sees it. */
  readonly reference: Float32Array;
  /** Slowly updated sharpness of normal pictures. */
  baseline: number;
  readonly since: MonoMs;
  samples: number;
  lastTs: MonoMs;
}

type Reason = 'covered' | 'defocused' | 'moved';

/**
 * `camera_tamper`, judged from a small gray thumbnail of every frame:
 * - covered (`reason: covered`): a near-uniform picture (low contrast or a one- or two-level
 *   histogram) for `coveredS`; ends after `clearS` without it. While covered nothing else is judged
 *   and nothing is learned.
 * - defocused (`reason: defocused`): sharpness (Laplacian variance relative to contrast, so lighting
 *   does not matter) below `defocusRatio` × the learned baseline for `defocusS`; ends after `clearS`.
 * - moved (`reason: moved`, an `instant` event): the picture differs from the slowly updated
 *   reference (correlation below `movedCorr`) and the new picture itself stays the same (it
 *   correlates with the first changed picture at least `stableCorr`) for `movedS`. People walking
 *   past change the picture but do not keep it still, so they are no move. Then the reference and
 *   baseline are learned afresh from the new view, which is the camera's normal from now on.
 * Nothing is judged in the first `learnS` (nor after a move, nor after the thumbnail size
 * changed). The reference and baseline only learn from normal pictures, so a slow change (dusk)
 * is followed and a tamper is not learned. Default id `camera.tamper`.
 */
export class TamperRule implements Rule {
  readonly type = 'camera_tamper' as const;
  readonly version = TAMPER_VERSION;
  readonly id: string;
  private readonly o: Required<Omit<TamperOptions, 'id' | 'activeAt'>>;
  private readonly activeAt: (wallTs: EpochMs) => boolean;
  private readonly covered: Debounced;
  private readonly defocused: Debounced;
  private learned: Learned | null = null;
  private moveCandidate: { since: MonoMs; picture: Float32Array } | null = null;
  private counts: Record<Reason, number> = { covered: 0, defocused: 0, moved: 0 };
  /** The last analysed picture's numbers; for logs and tests. */
  last: (PictureStats & { correlation: number | null }) | null = null;

  constructor(options: TamperOptions = {}) {
    this.id = options.id ?? 'camera.tamper';
    this.activeAt = options.activeAt ?? (() => true);
    const o = { ...TAMPER_DEFAULTS, ...stripUndefined(options) };
    for (const k of ['coveredS', 'defocusS', 'movedS', 'learnS', 'clearS'] as const) secondsMs(o[k], `tamper: ${k}`);
    for (const k of ['referenceTauS', 'baselineTauS', 'minStd'] as const) {
      if (!(o[k] > 0) || !Number.isFinite(o[k])) throw new RuleConfigError(`tamper: ${k} must be a number > 0 (got ${String(o[k])})`);
    }
    for (const k of ['defocusRatio', 'movedCorr', 'stableCorr'] as const) {
      if (!(o[k] > 0 && o[k] < 1)) throw new RuleConfigError(`tamper: ${k} must be between 0 and 1 (got ${String(o[k])})`);
    }
    if (!(o.minEntropy >= 0 && o.minEntropy <= 4)) throw new RuleConfigError(`tamper: minEntropy must be 0 to 4 bits (got ${String(o.minEntropy)})`);
    this.o = o;
    this.covered = new Debounced(o.coveredS * 1000, o.clearS * 1000);
    this.defocused = new Debounced(o.defocusS * 1000, o.clearS * 1000);
  }

  update(dets: Detections, thumbnail?: Thumbnail): RuleEvent[] {
    if (!thumbnail) return [];
    checkThumbnail(thumbnail, `tamper rule of camera "${dets.cameraId}"`);
    const stats = pictureStats(thumbnail);
    const ts = thumbnail.ts;
    const mayStart = this.activeAt(dets.wallTs);
    const events: RuleEvent[] = [];
    const emit = (phase: RuleEvent['phase'] | null, reason: Reason, confidence: number): void => {
      if (phase === null) return;
      if (phase === 'start' || phase === 'instant') this.counts[reason]++;
      events.push(
        ruleEvent(this, dets, phase, `${reason}:${this.counts[reason]}`, { trackIds: [], boxes: [], people: 0, confidence, reason }),
      );
    };

    const isCovered = stats.std < this.o.minStd || stats.entropy < this.o.minEntropy;
    emit(this.covered.step(isCovered, ts, mayStart), 'covered', 1 - 0.5 * Math.min(1, stats.std / this.o.minStd));
    this.last = { ...stats, correlation: null };
    if (isCovered || this.covered.open) return events;

    const l = this.learned;
    if (l === null || l.width !== thumbnail.width || l.height !== thumbnail.height) {
      this.relearn(thumbnail, stats);
      return events;
    }
    const corr = correlation(thumbnail.gray, l.reference);
    this.last = { ...stats, correlation: corr };
    const learning = ts - l.since < this.o.learnS * 1000;
    const changed = !learning && corr < this.o.movedCorr;

    if (changed) {
      const c = this.moveCandidate;
      if (c === null || correlation(thumbnail.gray, c.picture) < this.o.stableCorr) {
        this.moveCandidate = { since: ts, picture: Float32Array.from(thumbnail.gray) };
      } else if (ts - c.since >= this.o.movedS * 1000 && mayStart) {
        emit('instant', 'moved', 1 - 0.5 * Math.min(1, Math.max(0, corr) / this.o.movedCorr));
        this.relearn(thumbnail, stats);
        this.defocused.cancel();
      }
      // While the view may have changed, sharpness against the old baseline means nothing.
      return events;
    }
    this.moveCandidate = null;

    const limit = l.baseline * this.o.defocusRatio;
    const isBlurred = !learning && stats.sharpness < limit;
    emit(this.defocused.step(isBlurred, ts, mayStart), 'defocused', 1 - 0.5 * Math.min(1, stats.sharpness / Math.max(limit, 1e-9)));
    if (!isBlurred && !this.defocused.open) this.learn(l, thumbnail, stats, learning);
    return events;
  }

  endTracks(): RuleEvent[] {
    return [];
  }

  /** No per-track state; one reference picture per camera. */
  stateSize(): number {
    return 0;
  }

  private relearn(t: Thumbnail, stats: PictureStats): void {
    this.learned = {
      width: t.width,
      height: t.height,
      reference: Float32Array.from(t.gray),
      baseline: stats.sharpness,
      since: t.ts,
      samples: 1,
      lastTs: t.ts,
    };
    this.moveCandidate = null;
  }

  /** Running mean while learning, then exponential moving averages with the configured time constants. */
  private learn(l: Learned, t: Thumbnail, stats: PictureStats, learning: boolean): void {
    // Capped: after a gap (camera offline, covered) one picture must not replace the whole reference.
    const dt = Math.min(1000, Math.max(0, t.ts - l.lastTs));
    l.lastTs = t.ts;
    l.samples++;
    const refAlpha = learning ? 1 / l.samples : Math.min(1, dt / (this.o.referenceTauS * 1000));
    const baseAlpha = learning ? 1 / l.samples : Math.min(1, dt / (this.o.baselineTauS * 1000));
    const ref = l.reference;
    for (let i = 0; i < ref.length; i++) ref[i] = ref[i]! + refAlpha * (t.gray[i]! - ref[i]!);
    l.baseline += baseAlpha * (stats.sharpness - l.baseline);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
