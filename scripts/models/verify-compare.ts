/** Comparisons verify-centernet.ts makes between the reference and the converted model's results. */

export interface Person {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly score: number;
}

/**
 * Persons at or above the threshold must pair up one-to-one (the same peak, within 4 input px) and agree within
 * tolerance; one whose score lies within `scoreTolerance` of the threshold may be on one side only.
 */
export function comparePersons(ref: readonly Person[], got: readonly Person[], minScore: number, scoreTolerance: number) {
  const a = ref.filter((d) => d.score >= minScore);
  const b = got.filter((d) => d.score >= minScore);
  const failures: string[] = [];
  let matched = 0;
  let maxBox = 0;
  let maxScore = 0;
  const used = new Set<number>();
  const nearThreshold = (s: number) => Math.abs(s - minScore) <= scoreTolerance;
  for (const d of a) {
    let best = -1;
    let bestDist = Infinity;
    b.forEach((e, j) => {
      const dist = Math.max(Math.abs(d.x1 - e.x1), Math.abs(d.y1 - e.y1), Math.abs(d.x2 - e.x2), Math.abs(d.y2 - e.y2));
      if (!used.has(j) && dist < bestDist) [best, bestDist] = [j, dist];
    });
    const e = b[best];
    if (!e || bestDist > 4) {
      if (!nearThreshold(d.score)) failures.push(`reference person ${describe(d)} missing in onnx`);
      continue;
    }
    used.add(best);
    matched++;
    maxBox = Math.max(maxBox, bestDist);
    maxScore = Math.max(maxScore, Math.abs(d.score - e.score));
  }
  b.forEach((e, j) => {
    if (!used.has(j) && !nearThreshold(e.score)) failures.push(`onnx person ${describe(e)} not in reference`);
  });
  return { reference: a.length, onnx: b.length, matched, maxBox, maxScore, failures };
}

function describe(d: Person): string {
  return `at (${d.x1.toFixed(1)},${d.y1.toFixed(1)}) score ${d.score.toFixed(4)}`;
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (!(d <= m)) m = d; // NaN propagates as a failure
  }
  return m;
}

/** Three significant digits: enough to judge, stable enough to commit. */
export function round3(v: number): number {
  return v === 0 || !Number.isFinite(v) ? v : Number(v.toPrecision(3));
}
