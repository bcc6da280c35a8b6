/**
 * Where every violation revision is recorded: the violation and its outbox row, with the `qmon.event/1` bytes the
 * contract encodes (and the facility's key signs), in one store transaction. The uplink only relays what is stored;
 * the guards' dashboard and the metrics are told after the store has it.
 */
import { encodeEvent, maybeSign, topics, type ClockInfo, type Signer } from '../../contract/index.js';
import type { ViolationSink } from '../events/index.js';
import type { Violation } from '../shared/types.js';
import type { Lane, Store } from '../store/index.js';

/** What a stored event's bytes depend on that the hub link decides: fixed when the row is written. */
export interface OutboxContext {
  /** `live` while connected to the hub, else `backlog` (the payload's `replay` flag follows it). */
  readonly lane: Lane;
  /** The MQTT session the bytes name. */
  readonly session: number;
  readonly clock: ClockInfo;
}

export interface RecorderOptions {
  readonly store: Store;
  readonly fid: string;
  /** The facility's key. The signature is part of the stored bytes, so a resend is byte-identical. */
  readonly signer: Signer | null;
  /** The hub link's view at the moment of writing (the uplink's `outboxContext()`). */
  readonly context: () => OutboxContext;
}

/** Told once a revision is stored (in the order stored). A listener that throws is the listener's problem. */
export type RecordedListener = (v: Violation, row: { seq: number; lane: Lane }) => void;

export class ViolationRecorder implements ViolationSink {
  private readonly listeners: RecordedListener[] = [];

  constructor(private readonly o: RecorderOptions) {}

  /** Adds a listener for stored revisions (the uplink's relay, the dashboard, the metrics). */
  onRecorded(listener: RecordedListener): void {
    this.listeners.push(listener);
  }

  /** Stores one revision with its outbox row (one transaction) or throws what the store throws; then tells the listeners. */
  record(v: Violation): { seq: number; lane: Lane } {
    const row = recordEvents(this.o.store, [v], this.o.fid, this.o.signer, this.o.context())[0]!;
    for (const l of this.listeners) l(v, row);
    return row;
  }

  /** Many revisions in ONE transaction (one fsync): all or nothing. For bursts where a commit per revision is the bottleneck. */
  recordMany(vs: readonly Violation[]): { seq: number; lane: Lane }[] {
    const rows = recordEvents(this.o.store, vs, this.o.fid, this.o.signer, this.o.context());
    vs.forEach((v, i) => {
      for (const l of this.listeners) l(v, rows[i]!);
    });
    return rows;
  }
}

/**
 * Stores revisions with their `qmon.event/1` bytes, each encoded with its own seq; `replay` is true on the backlog
 * lane. One revision: one transaction; several: one transaction for all. Throws what the store throws (a payload
 * failing its schema, StoreFullError).
 */
function recordEvents(store: Store, vs: readonly Violation[], fid: string, signer: Signer | null, ctx: OutboxContext): { seq: number; lane: Lane }[] {
  const items = vs.map((v) => ({
    violation: v,
    encode: (seq: number) =>
      maybeSign(signer, topics.evt(fid), encodeEvent(v, { fid, session: ctx.session, seq, replay: ctx.lane === 'backlog', clock: ctx.clock })),
    lane: ctx.lane,
  }));
  const first = items[0];
  const seqs = items.length === 1 && first ? [store.recordViolation(first.violation, first.encode, { lane: ctx.lane })] : store.recordViolations(items);
  return seqs.map(({ seq }) => ({ seq, lane: ctx.lane }));
}
