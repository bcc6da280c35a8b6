/**
 * L2-regularised logistic regression on standardised features, fitted by full-batch Adam: no
 * random numbers anywhere, so the same features always give the same weights (and the same model
 * bytes). Small enough to run in plain TypeScript in seconds for a few thousand 4096-d samples.
 */

/** Row-major samples × dim matrix. */
export interface Dataset {
  readonly x: Float32Array;
  readonly y: Uint8Array;
  readonly dim: number;
}

export interface FitOptions {
  readonly lambda: number;
  readonly iterations: number;
  readonly learningRate: number;
}

export const FIT_DEFAULTS: Omit<FitOptions, 'lambda'> = { iterations: 300, learningRate: 0.01 };

export interface LogisticModel {
  /** Weights on the raw (not standardised) features, and bias: standardisation is folded in. */
  readonly weights: Float32Array;
  readonly bias: number;
}

export function rows(d: Dataset): number {
  return d.y.length;
}

export function subset(d: Dataset, idx: readonly number[]): Dataset {
  const x = new Float32Array(idx.length * d.dim);
  const y = new Uint8Array(idx.length);
  idx.forEach((i, k) => {
    x.set(d.x.subarray(i * d.dim, (i + 1) * d.dim), k * d.dim);
    y[k] = d.y[i] as number;
  });
  return { x, y, dim: d.dim };
}

export function fitLogistic(d: Dataset, opts: FitOptions): LogisticModel {
  const n = rows(d);
  const D = d.dim;
  if (n === 0) throw new Error('fitLogistic: no samples');
  // Standardise per feature so one λ and one learning rate suit every feature's scale.
  const mean = new Float64Array(D);
  const sd = new Float64Array(D);
  for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) mean[j] = (mean[j] as number) + (d.x[i * D + j] as number) / n;
  for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) sd[j] = (sd[j] as number) + ((d.x[i * D + j] as number) - (mean[j] as number)) ** 2 / n;
  for (let j = 0; j < D; j++) sd[j] = Math.sqrt(sd[j] as number) + 1e-3;
  const z = new Float32Array(n * D);
  for (let i = 0; i < n; i++) for (let j = 0; j < D; j++) z[i * D + j] = ((d.x[i * D + j] as number) - (mean[j] as number)) / (sd[j] as number);

  const w = new Float64Array(D + 1); // last = bias
  const m = new Float64Array(D + 1);
  const v = new Float64Array(D + 1);
  const g = new Float64Array(D + 1);
  const b1 = 0.9;
  const b2 = 0.999;
  for (let it = 1; it <= opts.iterations; it++) {
    g.fill(0);
    for (let i = 0; i < n; i++) {
      const o = i * D;
      let a = w[D] as number;
      for (let j = 0; j < D; j++) a += (w[j] as number) * (z[o + j] as number);
      const e = 1 / (1 + Math.exp(-a)) - (d.y[i] as number);
      for (let j = 0; j < D; j++) g[j] = (g[j] as number) + e * (z[o + j] as number);
      g[D] = (g[D] as number) + e;
    }
    const c1 = 1 - b1 ** it;
    const c2 = 1 - b2 ** it;
    for (let j = 0; j <= D; j++) {
      const grad = (g[j] as number) / n + (j < D ? opts.lambda * (w[j] as number) : 0);
      m[j] = b1 * (m[j] as number) + (1 - b1) * grad;
      v[j] = b2 * (v[j] as number) + (1 - b2) * grad * grad;
      w[j] = (w[j] as number) - (opts.learningRate * ((m[j] as number) / c1)) / (Math.sqrt((v[j] as number) / c2) + 1e-8);
    }
  }
  // Fold: w·(x − μ)/σ + b = (w/σ)·x + (b − Σ w μ/σ).
  const weights = new Float32Array(D);
  let bias = w[D] as number;
  for (let j = 0; j < D; j++) {
    weights[j] = (w[j] as number) / (sd[j] as number);
    bias -= ((w[j] as number) * (mean[j] as number)) / (sd[j] as number);
  }
  return { weights, bias };
}

export function predict(model: LogisticModel, d: Dataset): Float64Array {
  const n = rows(d);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let a = model.bias;
    for (let j = 0; j < d.dim; j++) a += (model.weights[j] as number) * (d.x[i * d.dim + j] as number);
    out[i] = 1 / (1 + Math.exp(-a));
  }
  return out;
}

export interface BinaryMetrics {
  readonly n: number;
  readonly accuracy: number;
  /** Of the faces called positive (no mask), the share that are. */
  readonly precision: number;
  /** Of the positive faces, the share called positive. */
  readonly recall: number;
  readonly tp: number;
  readonly fp: number;
  readonly tn: number;
  readonly fn: number;
}

/** Positive class = label 1 (no mask); a prediction is positive when p ≥ threshold. */
export function binaryMetrics(p: ArrayLike<number>, y: ArrayLike<number>, threshold = 0.5): BinaryMetrics {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  for (let i = 0; i < y.length; i++) {
    const pos = (p[i] as number) >= threshold;
    if (y[i] === 1) {
      if (pos) tp++;
      else fn++;
    } else if (pos) fp++;
    else tn++;
  }
  const n = tp + fp + tn + fn;
  return { n, accuracy: (tp + tn) / n, precision: tp / (tp + fp || 1), recall: tp / (tp + fn || 1), tp, fp, tn, fn };
}

/** Deterministic k folds by index (samples are already in a fixed, shuffled-by-hash order). */
export function folds(n: number, k: number): number[][] {
  const out: number[][] = Array.from({ length: k }, () => []);
  for (let i = 0; i < n; i++) (out[i % k] as number[]).push(i);
  return out;
}
