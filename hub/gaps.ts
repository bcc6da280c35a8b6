import type { EpochMs } from '../agent/shared/types.js';
import { MAX_TRACKED_GAP, type ResendRange } from './store.js';

/** One hole in a facility's delivered seqs: `prev` and `seq` delivered, everything between missing. */
export interface GapRow {
  readonly seq: number;
  readonly prev: number;
  /** When `seq` (the delivery that revealed the hole) was received: the gap's age. */
  readonly received_at: number;
}

/**
 * The same window query for both stores: delivered seqs at or above the watermark whose predecessor is
 * not `seq − 1`. Parameters: fid, watermark (SQLite `?`, PostgreSQL `$1, $2`).
 */
export function gapQuery(ph: (n: number) => string): string {
  return `SELECT seq, prev, received_at FROM (
      SELECT seq, received_at, lag(seq) OVER (ORDER BY seq) AS prev FROM deliveries WHERE fid = ${ph(1)} AND seq >= ${ph(2)}
    ) t WHERE prev IS NOT NULL AND seq > prev + 1 ORDER BY seq`;
}

/**
 * From a facility's holes above its watermark: the new watermark (the end of the contiguous run, skipping
 * holes too big to be worth asking for) and the ranges missing longer than the grace period.
 */
export function assessGaps(
  fid: string,
  rows: readonly GapRow[],
  maxSeq: number,
  now: EpochMs,
  graceMs: number,
): { watermark: number; due: ResendRange[]; missing: ResendRange[] } {
  const tracked = rows.filter((r) => r.seq - r.prev - 1 <= MAX_TRACKED_GAP);
  const watermark = tracked[0]?.prev ?? maxSeq;
  const missing = tracked.map((r) => ({ fid, from: r.prev + 1, to: r.seq - 1 }));
  const due = tracked.filter((r) => now - r.received_at >= graceMs).map((r) => ({ fid, from: r.prev + 1, to: r.seq - 1 }));
  return { watermark, due, missing };
}

export function expand(ranges: readonly ResendRange[]): number[] {
  const out: number[] = [];
  for (const r of ranges) for (let s = r.from; s <= r.to; s++) out.push(s);
  return out;
}
