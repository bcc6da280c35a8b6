import { inboundProblem, openSigned, trustedKeys, type InboundKind } from '../contract/index.js';
import type { Logger } from '../ops/index.js';
import { DropLog, type Clock } from '../shared/index.js';
import type { BirthPayload } from '../contract/index.js';
import type { FacilityTracker } from './facilities.js';
import type { RegistryView } from './store.js';

/**
 * Why the hub dropped a message unread or refused it: `oversized` (over the topic's byte limit, or
 * nested too deep), `unregistered` (fid not in the registry), `seq_jump` (an event seq, or a birth's
 * last_seq, implausibly far above the highest seen), `session_jump` (a status or birth session
 * implausibly far above the highest seen); and the signature checks (docs/hub-contract.md, "Signatures"):
 * `unsigned` (no `sig`, from a facility with a registered key, or from any facility when signatures are
 * required), `unknown_key` (signed with a key not registered for that fid), `bad_signature` (does not
 * verify: forged, altered, or replayed from another topic). Schema failures stay in `invalid`.
 */
export type HubDrop = 'oversized' | 'unregistered' | 'seq_jump' | 'session_jump' | 'unsigned' | 'unknown_key' | 'bad_signature';

/**
 * What the hub checks before it trusts a message, and counts when it does not: size (before parsing),
 * the facility registry, and the plausibility of seqs and sessions. Nothing refused here creates a
 * facility, an event or an ACK; each refusal is logged once per burst, never with its payload.
 */
export class Admission {
  private readonly drops: DropLog<HubDrop>;

  constructor(
    private readonly registry: RegistryView,
    private readonly tracker: FacilityTracker,
    private readonly opts: {
      readonly clock: Clock;
      readonly logger: Logger;
      readonly openRegistry?: boolean;
      /** Refuse unsigned messages also from facilities with no registered key (the `qmon hub run` default). */
      readonly requireSignatures?: boolean;
    },
  ) {
    this.drops = new DropLog(opts.clock, opts.logger, 'hub');
  }

  dropped(): Partial<Record<HubDrop, number>> {
    return this.drops.snapshot();
  }

  /**
   * Before any parse: the size (and nesting) against the topic's limit, the facility against the
   * registry, then the signature against the facility's registered keys. Returns the bytes to parse
   * (the payload without its `sig`), or null when the message is refused (counted, logged).
   * Snapshot images (`snap`) are not signed: the signed event names their sha256.
   */
  admit(kind: InboundKind, fid: string, topic: string, payload: Buffer): Buffer | null {
    if (inboundProblem(kind, payload) !== null) {
      this.drops.drop('oversized', { topic: topic.slice(0, 200), bytes: payload.length });
      return null;
    }
    if (!this.registry.accepts(fid)) {
      if (this.opts.openRegistry !== true) {
        this.drops.drop('unregistered', { fid });
        return null;
      }
      this.registry.add(fid, null, this.opts.clock.wall());
      this.opts.logger.warn({ fid }, 'hub: open registry: registered a new facility');
    }
    if (kind === 'snap') return payload;
    const keys = this.registry.keys(fid);
    if (keys.length === 0 && this.opts.requireSignatures !== true) return payload; // the tolerant reader drops any sig
    const opened = openSigned(topic, payload, trustedKeys(keys));
    if (opened.ok) return opened.body;
    this.drops.drop(opened.problem, { fid, topic: topic.slice(0, 200) });
    return null;
  }

  /** A status or birth whose session jumps implausibly far is refused (see FacilityTracker.sessionPlausible). */
  plausibleSession<T extends { fid: string; session: number }>(p: T | null): T | null {
    if (p === null || this.tracker.sessionPlausible(p.fid, p.session)) return p;
    this.drops.drop('session_jump', { fid: p.fid, session: p.session });
    return null;
  }

  /** A birth needs a plausible session and a plausible `last_seq` (it raises the base of the seq bound). */
  plausibleBirth(b: BirthPayload | null): BirthPayload | null {
    const ok = this.plausibleSession(b);
    if (ok === null || this.tracker.seqPlausible(ok.fid, ok.last_seq)) return ok;
    this.drops.drop('seq_jump', { fid: ok.fid, lastSeq: ok.last_seq });
    return null;
  }

  plausibleSeq(fid: string, seq: number): boolean {
    if (this.tracker.seqPlausible(fid, seq)) return true;
    this.drops.drop('seq_jump', { fid, seq });
    return false;
  }
}
