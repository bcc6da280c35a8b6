import type { KeyObject } from 'node:crypto';
import { facilityBudget, inboundProblem, openSignedAsync, trustedKeys, type FacilityBudget, type InboundKind } from '../contract/index.js';
import type { Logger } from '../agent/ops/index.js';
import { DropLog, TokenBucket, type Clock } from '../agent/shared/index.js';
import type { BirthPayload } from '../contract/index.js';
import type { FacilityTracker } from './facilities.js';
import type { RegistryView } from './store.js';

/**
 * Why the hub dropped a message unread or refused it: `oversized` (over the topic's byte limit, or
 * nested too deep), `unregistered` (fid not in the registry), `over_rate` / `over_bytes` (the facility sent more
 * messages or bytes than its budget, `facilityBudget`), `queue_full` (the facility's queue in this process is full:
 * the database is slower than it sends), `seq_jump` (an event seq, or a birth's last_seq, beyond what the facility
 * could have produced since its highest seq), `seq_reused` (an event whose seq the hub already holds for another
 * revision: the agent's store went back, it is told to re-base), `session_jump` (a status or birth session
 * implausibly far ahead), `stale` (a liveness message not newer than one already accepted: a replay, see
 * store.ts); and the signature checks (docs/hub-contract.md, "Signatures"): `unsigned` (no `sig`, from a facility
 * with a registered key, or from any facility when signatures are required), `unknown_key` (signed with a key not
 * registered for that fid), `bad_signature` (does not verify: forged, altered, or replayed from another topic).
 * Schema failures stay in `invalid`.
 */
export type HubDrop =
  | 'oversized'
  | 'unregistered'
  | 'over_rate'
  | 'over_bytes'
  | 'queue_full'
  | 'seq_jump'
  | 'seq_reused'
  | 'session_jump'
  | 'stale'
  | 'unsigned'
  | 'unknown_key'
  | 'bad_signature';

/** One facility's budget in this process: a message bucket and a byte bucket. */
interface FacilityBuckets {
  readonly messages: TokenBucket;
  readonly bytes: TokenBucket;
}

export interface AdmissionOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly openRegistry?: boolean;
  /** Refuse unsigned messages also from facilities with no registered key (the `qmon hub run` default). */
  readonly requireSignatures?: boolean;
  /** Each facility's message and byte budget; `facilityBudget()` by default; null: no per-facility limit. */
  readonly budget?: FacilityBudget | null;
}

/**
 * What the hub checks before it trusts a message, and counts when it does not: size (before parsing), the
 * facility registry, the facility's budget, the signature, and the plausibility of seqs and sessions. Nothing
 * refused here creates a facility, an event or an ACK; each refusal is logged once per burst, never with its
 * payload. Every check is O(1) per message apart from the byte scan of the size check (bounded by the limit)
 * and the one signature verification.
 */
export class Admission {
  private readonly drops: DropLog<HubDrop>;
  private readonly buckets = new Map<string, FacilityBuckets>();
  private readonly budget: FacilityBudget | null;
  /** The trusted-keys map per facility, rebuilt only when its registered keys change (key ids cost a hash). */
  private readonly trusted = new Map<string, { readonly keys: readonly KeyObject[]; readonly map: ReadonlyMap<string, KeyObject> }>();

  constructor(
    private readonly registry: RegistryView,
    private readonly tracker: FacilityTracker,
    private readonly opts: AdmissionOptions,
  ) {
    this.drops = new DropLog(opts.clock, opts.logger, 'hub');
    this.budget = opts.budget === undefined ? facilityBudget() : opts.budget;
  }

  dropped(): Partial<Record<HubDrop, number>> {
    return this.drops.snapshot();
  }

  /** Counts a refusal decided elsewhere (the facility's queue, a reused seq, a stale liveness message). */
  drop(reason: HubDrop, detail: Record<string, string | number>): void {
    this.drops.drop(reason, detail);
  }

  /**
   * On arrival, before anything is parsed or verified: the size (and nesting) against the topic's limit, the
   * facility against the registry, then its budget (a token bucket on messages and one on bytes, per facility):
   * a flood costs the hub this much per message and no more. False when refused (counted, logged).
   */
  gate(kind: InboundKind, fid: string, topic: string, payload: Buffer): boolean {
    if (inboundProblem(kind, payload) !== null) {
      this.drops.drop('oversized', { topic: topic.slice(0, 200), bytes: payload.length });
      return false;
    }
    if (!this.registry.accepts(fid)) {
      if (this.opts.openRegistry !== true) {
        this.drops.drop('unregistered', { fid });
        return false;
      }
      this.registry.add(fid, null, this.opts.clock.wall());
      this.opts.logger.warn({ fid }, 'hub: open registry: registered a new facility');
    }
    if (this.budget === null) return true;
    let b = this.buckets.get(fid);
    if (!b) {
      const { messages, bytes } = this.budget;
      b = { messages: new TokenBucket(messages.perS, this.opts.clock, messages.burst), bytes: new TokenBucket(bytes.perS, this.opts.clock, bytes.burst) };
      this.buckets.set(fid, b);
    }
    if (!b.messages.take()) {
      this.drops.drop('over_rate', { fid });
      return false;
    }
    if (!b.bytes.take(payload.length)) {
      this.drops.drop('over_bytes', { fid, bytes: payload.length });
      return false;
    }
    return true;
  }

  /**
   * The signature against the facility's registered keys, over the raw bytes, verified on the thread pool (see
   * openSignedAsync). Resolves with the bytes to parse (the payload without its `sig`), or null when the message is
   * refused (counted, logged). Snapshot images (`snap`) are not signed: the signed event names their sha256.
   */
  async verify(kind: InboundKind, fid: string, topic: string, payload: Buffer): Promise<Buffer | null> {
    if (kind === 'snap') return payload;
    const keys = this.registry.keys(fid);
    if (keys.length === 0 && this.opts.requireSignatures !== true) return payload; // the tolerant reader drops any sig
    const opened = await openSignedAsync(topic, payload, this.trustedFor(fid, keys));
    if (opened.ok) return opened.body;
    this.drops.drop(opened.problem, { fid, topic: topic.slice(0, 200) });
    return null;
  }

  private trustedFor(fid: string, keys: readonly KeyObject[]): ReadonlyMap<string, KeyObject> {
    const cached = this.trusted.get(fid);
    if (cached && cached.keys.length === keys.length && cached.keys.every((k, i) => k === keys[i])) return cached.map;
    const map = trustedKeys(keys);
    this.trusted.set(fid, { keys: [...keys], map });
    return map;
  }

  /** A status or birth whose session jumps implausibly far is refused (see FacilityTracker.sessionPlausible). */
  plausibleSession<T extends { fid: string; session: number }>(p: T | null): T | null {
    if (p === null || this.tracker.sessionPlausible(p.fid, p.session)) return p;
    this.drops.drop('session_jump', { fid: p.fid, session: p.session });
    return null;
  }

  /**
   * A birth needs a plausible session. Its `last_seq` raises the base of the seq bound when plausible; one beyond
   * is flagged (`seq_jump`) and not used, while the birth still counts (it says the agent is there).
   */
  plausibleBirth(b: BirthPayload | null): BirthPayload | null {
    const ok = this.plausibleSession(b);
    if (ok === null) return null;
    if (!this.tracker.birth(ok)) this.drops.drop('seq_jump', { fid: ok.fid, lastSeq: ok.last_seq, ceiling: this.tracker.seqCeiling(ok.fid) });
    return ok;
  }

  /** Admits an event's seq (raising the base) or refuses and flags it (see FacilityTracker.admitSeq). */
  plausibleSeq(fid: string, seq: number): boolean {
    if (this.tracker.admitSeq(fid, seq)) return true;
    this.drops.drop('seq_jump', { fid, seq, ceiling: this.tracker.seqCeiling(fid) });
    return false;
  }
}
