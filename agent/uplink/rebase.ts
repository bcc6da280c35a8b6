import { maybeSign, reseqEvent, topics, type Signer } from '../../contract/index.js';
import type { Store } from '../store/index.js';

/** What `cmd/rebase` did, as its response's `result` says. */
export interface RebaseResult {
  readonly session: number;
  readonly seq: number;
  readonly renumbered: number;
  /** A new connection is needed: the current session was not above the hub's, or rows moved. */
  readonly reconnect: boolean;
}

/**
 * `cmd/rebase {session, seq}`: the hub holds this facility at `session` and seqs up to `seq`, above this store (it
 * replaced another: a disk swap, a purge and reinstall). The session counter goes to at least `session`, and every
 * row not acked at or below `seq` is renumbered above it, re-encoded with its new seq and re-signed (the seq is in
 * the signed bytes; Store.rebaseSeqs). Idempotent: a store already above changes nothing.
 */
export function rebaseStore(store: Store, fid: string, signer: Signer | null, current: number, session: number, seq: number): RebaseResult {
  store.raiseSession(session);
  const topic = topics.evt(fid);
  const moves = store.rebaseSeqs(seq, (payload, to) => maybeSign(signer, topic, reseqEvent(payload, to)));
  return {
    session: Math.max(current, session),
    seq: Math.max(seq, store.lastSeq()),
    renumbered: moves.length,
    reconnect: current <= session || moves.length > 0,
  };
}
