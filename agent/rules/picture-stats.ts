import type { Thumbnail } from './thumbnail.js';

/** What the tamper rule reads from a gray thumbnail. */
export interface PictureStats {
  readonly mean: number;
  /** Standard deviation of the gray levels; a covered lens gives a few levels of noise. */
  readonly std: number;
  /** Shannon entropy (bits) of a 16-bin histogram: 0 for one flat level, 4 at most. */
  readonly entropy: number;
  /**
   * Variance of the 4-neighbour Laplacian divided by the picture's variance: how much of the
   * contrast is fine detail. Dividing makes it blind to lighting (dimmer lights lower both), so a
   * drop means lost focus, not dusk.
   */
  readonly sharpness: number;
}

const BINS = 16;

export function pictureStats(t: Thumbnail): PictureStats {
  const { width: w, height: h, gray } = t;
  const n = gray.length;
  const hist = new Array<number>(BINS).fill(0);
  let sum = 0;
  let sum2 = 0;
  for (let i = 0; i < n; i++) {
    const v = gray[i]!;
    sum += v;
    sum2 += v * v;
    hist[v >> 4]!++;
  }
  const mean = sum / n;
  const variance = Math.max(0, sum2 / n - mean * mean);
  let entropy = 0;
  for (const c of hist) {
    if (c === 0) continue;
    const p = c / n;
    entropy -= p * Math.log2(p);
  }
  return { mean, std: Math.sqrt(variance), entropy, sharpness: laplacianVariance(gray, w, h) / (variance + 1) };
}

/** Variance of the 4-neighbour Laplacian over the interior pixels (a standard focus measure). */
export function laplacianVariance(gray: ArrayLike<number>, w: number, h: number): number {
  let sum = 0;
  let sum2 = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    const row = y * w;
    for (let x = 1; x < w - 1; x++) {
      const i = row + x;
      const lap = 4 * gray[i]! - gray[i - 1]! - gray[i + 1]! - gray[i - w]! - gray[i + w]!;
      sum += lap;
      sum2 += lap * lap;
      n++;
    }
  }
  if (n === 0) return 0;
  const m = sum / n;
  return Math.max(0, sum2 / n - m * m);
}

/**
 * Pearson correlation of two equally sized pictures: 1 = the same scene (whatever the lighting),
 * about 0 = unrelated. 0 when either is flat, since a flat picture resembles nothing.
 */
export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  if (n === 0) return 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i]!;
    sb += b[i]!;
  }
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma;
    const db = b[i]! - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  if (va < 1e-9 * n || vb < 1e-9 * n) return 0;
  return cov / Math.sqrt(va * vb);
}
