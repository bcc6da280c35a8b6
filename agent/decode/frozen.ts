import type { MonoMs } from '../shared/types.js';

/**
 * A cheap fingerprint of a frame: FNV-1a over an evenly strided sample of its bytes. A camera
 * whose encoder hangs while its RTSP session stays up keeps sending the same picture, which
 * decodes to byte-identical frames; any real scene change (a person, sensor noise, an OSD clock)
 * touches many sampled bytes. Sampling ~16 K bytes costs microseconds instead of hashing 1.3 MB.
 */
export function frameFingerprint(pixels: Uint8Array, samples = 16_384): number {
  let stride = Math.max(1, Math.floor(pixels.length / samples));
  // Not a multiple of 3, so an RGB frame is sampled across all three channels.
  if (stride > 1 && stride % 3 === 0) stride++;
  let h = 0x811c9dc5;
  for (let i = 0; i < pixels.length; i += stride) {
    h ^= pixels[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Decides "frozen": the fingerprint has not changed for `frozenMs` while frames keep arriving.
 * Time is the caller's monotonic clock at arrival, so a burst of duplicated frames (ffmpeg's fps
 * filter filling a network gap) does not look like a long freeze.
 */
export class FrozenDetector {
  private lastPrint: number | null = null;
  private unchangedSince: MonoMs = 0;

  constructor(private readonly frozenMs: number) {
    if (!(frozenMs > 0)) throw new RangeError(`FrozenDetector: frozenMs must be > 0 (got ${frozenMs})`);
  }

  /** Feed one frame; returns true while the picture counts as frozen. */
  update(pixels: Uint8Array, now: MonoMs): boolean {
    const print = frameFingerprint(pixels);
    if (print !== this.lastPrint) {
      this.lastPrint = print;
      this.unchangedSince = now;
      return false;
    }
    return now - this.unchangedSince >= this.frozenMs;
  }

  /** Forget history (after a restart the first frame starts a new comparison). */
  reset(): void {
    this.lastPrint = null;
  }
}
