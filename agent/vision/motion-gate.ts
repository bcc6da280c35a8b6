/**
 * Decides per camera whether a frame is worth a detector run. Each frame is shrunk to a small gray
 * thumbnail (box average, ~100 px high: cheap, and the averaging removes most sensor noise); it
 * counts as moving when enough thumbnail pixels differ from the thumbnail of the last frame the
 * detector actually ran on by more than a noise threshold. Comparing with that frame rather than
 * with the previous one means slow movement adds up until it is seen. While nothing moves the
 * caller keeps the last detections; a run is forced every `forceEveryMs` anyway so that a person
 * standing still is re-detected and a missed detection does not persist.
 *
 * Time comes from the frames' own monotonic timestamps, so the gate needs no clock.
 */
import type { Frame, Thumbnail } from '../shared/types.js';
import { thumbnail } from './thumbnail.js';

export interface MotionGateOptions {
  /** Thumbnail height in pixels; the width keeps the frame's aspect. Default 100. */
  readonly thumbHeight?: number;
  /** Gray-level difference (0–255) above which a thumbnail pixel has changed. Default 12. */
  readonly pixelThreshold?: number;
  /** Share of thumbnail pixels that must change for motion. Default 0.002 (≈ 27 px of a 133×100 thumbnail). */
  readonly minChangedShare?: number;
  /** A detector run is forced when the last one is at least this old (frame time, ms). Default 4000. */
  readonly forceEveryMs?: number;
}

export const MOTION_GATE_DEFAULTS: Required<MotionGateOptions> = {
  thumbHeight: 100,
  pixelThreshold: 12,
  minChangedShare: 0.002,
  forceEveryMs: 4000,
};

export type GateReason = 'first' | 'resized' | 'motion' | 'forced' | 'still';

export interface GateDecision {
  /** False only for `still`: the caller may reuse the last detections. */
  readonly run: boolean;
  readonly reason: GateReason;
  /** Share of thumbnail pixels that changed against the reference (0 for `first`/`resized`). */
  readonly changedShare: number;
  /** Frame time of this decision and the thumbnail it was made on; pass the decision to `commit`. */
  readonly ts: number;
  readonly thumb: Thumbnail;
}

export class MotionGate {
  readonly options: Required<MotionGateOptions>;
  private reference: Thumbnail | null = null;
  private lastRunTs = -Infinity;

  constructor(options: MotionGateOptions = {}) {
    const o = { ...MOTION_GATE_DEFAULTS, ...options };
    if (!Number.isInteger(o.thumbHeight) || o.thumbHeight < 8) throw new RangeError(`motion gate thumbHeight must be an integer ≥ 8, got ${o.thumbHeight}`);
    if (!(o.pixelThreshold >= 0 && o.pixelThreshold < 255)) throw new RangeError(`motion gate pixelThreshold must be within 0..254, got ${o.pixelThreshold}`);
    if (!(o.minChangedShare > 0 && o.minChangedShare <= 1)) throw new RangeError(`motion gate minChangedShare must be within (0, 1], got ${o.minChangedShare}`);
    if (!(o.forceEveryMs > 0)) throw new RangeError(`motion gate forceEveryMs must be positive, got ${o.forceEveryMs}`);
    this.options = o;
  }

  /** Looks at a frame; does not change the gate's state (see `commit`). */
  check(frame: Frame): GateDecision {
    const thumb = thumbnail(frame, this.options.thumbHeight);
    const ref = this.reference;
    const at = (reason: GateReason, changedShare: number): GateDecision => ({ run: reason !== 'still', reason, changedShare, ts: frame.ts, thumb });
    if (!ref) return at('first', 0);
    if (ref.srcWidth !== thumb.srcWidth || ref.srcHeight !== thumb.srcHeight) return at('resized', 0);
    const share = changedShare(ref.gray, thumb.gray, this.options.pixelThreshold);
    if (share >= this.options.minChangedShare) return at('motion', share);
    if (frame.ts - this.lastRunTs >= this.options.forceEveryMs) return at('forced', share);
    return at('still', share);
  }

  /** The detector ran on the frame of `decision`: it becomes the reference for later frames. */
  commit(decision: GateDecision): void {
    this.reference = decision.thumb;
    this.lastRunTs = decision.ts;
  }

  /** Forget the reference (e.g. after a camera restart), so the next frame runs. */
  reset(): void {
    this.reference = null;
    this.lastRunTs = -Infinity;
  }
}

export function changedShare(a: Uint8Array, b: Uint8Array, threshold: number): number {
  if (a.length !== b.length || a.length === 0) throw new Error(`motion gate: thumbnails of different sizes (${a.length} vs ${b.length})`);
  let changed = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d > threshold || d < -threshold) changed++;
  }
  return changed / a.length;
}

