/**
 * fp32 vs int8 latency on a shared, loaded machine: both models are timed in the same rounds,
 * alternating which goes first, so load that comes and goes hits both alike. Each block warms up,
 * then times `runs` single-frame runs cycling through the given feeds; the report gives the median
 * over all rounds and each round's median (their spread shows how much the load moved things).
 */
import type * as ort from 'onnxruntime-node';

export interface LatencyOptions {
  readonly runs: number;
  readonly rounds: number;
  readonly warmup?: number;
  readonly session: (bytes: Uint8Array, threads: number) => Promise<ort.InferenceSession>;
  readonly log?: (line: string) => void;
}

export interface ThreadLatency {
  fp32: number;
  int8: number;
  /** fp32 / int8: above 1 means int8 is faster. */
  speedup: number;
  rounds: { fp32: number[]; int8: number[] };
}

export type LatencyReport = Record<string, ThreadLatency>;

export async function latencyRounds(
  models: { fp32: Uint8Array; int8: Uint8Array },
  threads: readonly number[],
  feeds: readonly Record<string, ort.Tensor>[],
  opts: LatencyOptions,
): Promise<LatencyReport> {
  if (feeds.length === 0) throw new Error('latency: no feeds');
  if (!(opts.runs >= 1 && opts.rounds >= 1)) throw new RangeError(`latency: runs and rounds must be ≥ 1 (got ${opts.runs}, ${opts.rounds})`);
  const report: LatencyReport = {};
  for (const t of threads) {
    const sessions = { fp32: await opts.session(models.fp32, t), int8: await opts.session(models.int8, t) };
    const all = { fp32: [] as number[], int8: [] as number[] };
    const rounds = { fp32: [] as number[], int8: [] as number[] };
    try {
      for (let r = 0; r < opts.rounds; r++) {
        const order = r % 2 === 0 ? (['fp32', 'int8'] as const) : (['int8', 'fp32'] as const);
        for (const kind of order) {
          const times = await timeRuns(sessions[kind], feeds, opts.runs, opts.warmup ?? 3);
          all[kind].push(...times);
          rounds[kind].push(round1(median(times)));
        }
        opts.log?.(`threads ${t} round ${r + 1}: fp32 ${rounds.fp32.at(-1)} ms, int8 ${rounds.int8.at(-1)} ms`);
      }
    } finally {
      await Promise.all([sessions.fp32.release(), sessions.int8.release()]);
    }
    const [f, i] = [median(all.fp32), median(all.int8)];
    report[`threads_${t}`] = { fp32: round1(f), int8: round1(i), speedup: Number((f / i).toFixed(2)), rounds };
  }
  return report;
}

async function timeRuns(session: ort.InferenceSession, feeds: readonly Record<string, ort.Tensor>[], runs: number, warmup: number): Promise<number[]> {
  for (let k = 0; k < warmup; k++) await session.run(feeds[k % feeds.length]!);
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    await session.run(feeds[k % feeds.length]!);
    times.push(performance.now() - t0);
  }
  return times;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round1 = (v: number) => Number(v.toFixed(1));
