import { inboundProblem, type InboundKind } from '../contract/index.js';
import type { Logger } from '../ops/index.js';
import { DropLog, type Clock } from '../shared/index.js';
import type { BirthPayload } from '../contract/index.js';
import type { FacilityTracker } from './facilities.js';
import type { RegistryView } from './store.js';

/**
 * Why the hub dropped a message unread or refused it: `oversized` (over the topic's byte limit, or
 * nested too deep), `unregistered` (fid not in the registry), `seq_jump` (an event seq, or a birth's
 * last_seq, implausibly far above the highest seen), `session_jump` (a status or birth session
 * implausibly far above the highest seen). Schema failures stay in `invalid`.
 */
export type HubDrop = 'oversized' | 'unregistered' | 'seq_jump' | 'session_jump';

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
    private readonly opts: { readonly clock: Clock; readonly logger: Logger; readonly openRegistry?: boolean },
  ) {
    this.drops = new DropLog(opts.clock, opts.logger, 'hub');
  }

  dropped(): Partial<Record<HubDrop, number>> {
    return this.drops.snapshot();
  }

  /** Before any parse: the size (and nesting) against the topic's limit, then the facility against the registry. */
  admit(kind: InboundKind, fid: string, topic: string, payload: Buffer): boolean {
    if (inboundProblem(kind, payload) !== null) {
      this.drops.drop('oversized', { topic: topic.slice(0, 200), bytes: payload.length });
      return false;
    }
    if (this.registry.accepts(fid)) return true;
    if (this.opts.openRegistry === true) {
      this.registry.add(fid, null, this.opts.clock.wall());
      this.opts.logger.warn({ fid }, 'hub: open registry: registered a new facility');
      return true;
    }
    this.drops.drop('unregistered', { fid });
    return false;
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
