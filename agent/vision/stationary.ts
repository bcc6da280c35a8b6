/**
 * Which tracked persons stand still, with Frigate's `stationary` semantics: a person whose box has stayed put for
 * `stillMs` needs no detector look while nothing moves over them; they keep their track (loitering and gathering
 * rules need them) and are looked at again every `recheckMs` anyway, so one who left unseen is not kept for ever.
 *
 * Time comes from frame timestamps (monotonic ms), so the tracker needs no clock.
 */
import type { Box } from '../shared/types.js';
import { iou, overlapShare } from './regions.js';

export interface StationaryOptions {
  /** Still this long → stationary. Default 10 s. */
  readonly stillMs?: number;
  /** A stationary person is looked at again at least this often. Default 10 s. */
  readonly recheckMs?: number;
  /** The box moved when its IoU with where it settled drops below this. Default 0.8. */
  readonly minStillIou?: number;
}

interface Still {
  anchor: Box;
  since: number;
  lastLook: number;
  box: Box;
}

export class StationaryTracker {
  private readonly stillMs: number;
  private readonly recheckMs: number;
  private readonly minStillIou: number;
  private readonly tracks = new Map<number, Still>();

  constructor(opts: StationaryOptions = {}) {
    this.stillMs = opts.stillMs ?? 10_000;
    this.recheckMs = opts.recheckMs ?? 10_000;
    this.minStillIou = opts.minStillIou ?? 0.8;
    if (!(this.stillMs > 0 && this.recheckMs > 0)) throw new RangeError('stationary stillMs and recheckMs must be positive');
  }

  /** The tracked persons after a frame at `ts`; `looked`: the detector looked at them this frame. Others are forgotten. */
  observe(persons: readonly { readonly trackId: number; readonly box: Box; readonly looked: boolean }[], ts: number): void {
    const seen = new Set<number>();
    for (const p of persons) {
      seen.add(p.trackId);
      const s = this.tracks.get(p.trackId);
      if (!s) {
        this.tracks.set(p.trackId, { anchor: p.box, since: ts, lastLook: ts, box: p.box });
        continue;
      }
      s.box = p.box;
      if (iou(s.anchor, p.box) < this.minStillIou) {
        s.anchor = p.box;
        s.since = ts;
      }
      if (p.looked) s.lastLook = ts;
    }
    for (const id of [...this.tracks.keys()]) if (!seen.has(id)) this.tracks.delete(id);
  }

  /** Standing still for `stillMs` at `ts`. */
  isStationary(trackId: number, ts: number): boolean {
    const s = this.tracks.get(trackId);
    return s !== undefined && ts - s.since >= this.stillMs;
  }

  /** Whether the person needs a region this frame: not stationary, motion over them, or their re-check is due. */
  needsLook(trackId: number, ts: number, motion: readonly Box[]): boolean {
    const s = this.tracks.get(trackId);
    if (!s || ts - s.since < this.stillMs) return true;
    if (ts - s.lastLook >= this.recheckMs) return true;
    return motion.some((m) => overlapShare(m, s.box) > 0 || overlapShare(s.box, m) > 0);
  }
}
