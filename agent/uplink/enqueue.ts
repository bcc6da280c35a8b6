import type { Violation } from '../shared/types.js';
import type { Lane, Store } from '../store/index.js';
import { encodeEvent, maybeSign, topics, type ClockInfo, type Signer } from '../contract/index.js';

export interface RecordContext {
  readonly fid: string;
  readonly session: number;
  readonly lane: Lane;
  readonly clock: ClockInfo;
  /** The facility's key. The signature is part of the stored bytes, so a resend is byte-identical. */
  readonly signer?: Signer | null;
}

/**
 * Stores revisions with their `qmon.event/1` bytes, each encoded with its own seq; `replay` is true
 * on the backlog lane. One revision: one transaction; several: one transaction for all (all or
 * nothing). Throws what the store throws (a payload failing its schema, StoreFullError).
 */
export function recordEvents(store: Store, vs: readonly Violation[], ctx: RecordContext): { seq: number; lane: Lane }[] {
  const items = vs.map((v) => ({
    violation: v,
    encode: (seq: number) =>
      maybeSign(ctx.signer, topics.evt(ctx.fid), encodeEvent(v, { fid: ctx.fid, session: ctx.session, seq, replay: ctx.lane === 'backlog', clock: ctx.clock })),
    lane: ctx.lane,
  }));
  const first = items[0];
  const seqs = items.length === 1 && first ? [store.recordViolation(first.violation, first.encode, { lane: ctx.lane })] : store.recordViolations(items);
  return seqs.map(({ seq }) => ({ seq, lane: ctx.lane }));
}
