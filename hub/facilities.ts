import { MAX_SEQ_RATE_PER_S, MAX_SESSION_AHEAD_S, MAX_SESSION_JUMP, SEQ_JUMP_SLACK } from '../contract/index.js';
import type { EpochMs } from '../agent/shared/types.js';
import type { BirthPayload, CamStatusPayload, HeartbeatPayload, StatusPayload } from '../contract/index.js';

export type { ResendRange } from './store.js';

/** One facility as the hub's read API shows it (computed from the store, see ReferenceHub.facilities). */
export interface FacilityView {
  readonly fid: string;
  readonly session: number;
  readonly status: StatusPayload['state'] | 'unknown';
  readonly birth: BirthPayload | null;
  readonly lastHeartbeat: HeartbeatPayload | null;
  /** No heartbeat for longer than the stale limit (or never one). */
  readonly heartbeatStale: boolean;
  readonly maxSeq: number;
  readonly missingSeqs: readonly number[];
  readonly cameras: readonly CamStatusPayload[];
}

/** The highest seq admitted from a facility and when (hub wall time): the base of its seq bound. */
export interface SeqBase {
  readonly seq: number;
  readonly at: EpochMs;
}

/**
 * The bases of admission's plausibility bounds, per facility: the highest seq this process has admitted and when,
 * and the highest session (seeded from the store at start). Liveness, gaps and resends are NOT kept here: they
 * live in the store, shared by every hub process (store.ts). A process that sees only part of a facility's
 * messages (shared subscriptions) has a base a few messages behind the database's, far inside the bounds.
 */
export class FacilityTracker {
  private readonly maxSeq = new Map<string, SeqBase>();
  private readonly session = new Map<string, number>();

  /** @param wall the hub's wall clock (epoch ms): seq credit accrues with it, and sessions are bounded by it. */
  constructor(private readonly wall: () => EpochMs) {}

  /** Raises the bases to what the store holds (at start, and for the PostgreSQL store once it is open). */
  load(maxSeqs: ReadonlyMap<string, SeqBase>, sessions: ReadonlyMap<string, number>): void {
    for (const [fid, b] of maxSeqs) if (b.seq > (this.maxSeq.get(fid)?.seq ?? 0)) this.maxSeq.set(fid, b);
    for (const [fid, s] of sessions) this.session.set(fid, Math.max(this.session.get(fid) ?? 0, s));
  }

  /**
   * Whether a session is plausible: at most MAX_SESSION_JUMP above the highest seen, or at most
   * MAX_SESSION_AHEAD_S ahead of the hub's clock in seconds (agents take their session from the clock). Anything
   * beyond is forged or broken; accepting it would make every real status look "older" (a live facility offline).
   */
  sessionPlausible(fid: string, session: number): boolean {
    const byClock = Math.floor(this.wall() / 1000) + MAX_SESSION_AHEAD_S;
    return session <= Math.max((this.session.get(fid) ?? 0) + MAX_SESSION_JUMP, byClock);
  }

  /** The highest seq the facility could have reached by now: its base, the slack, and MAX_SEQ_RATE_PER_S since. */
  seqCeiling(fid: string): number {
    const b = this.maxSeq.get(fid);
    if (!b) return SEQ_JUMP_SLACK;
    return b.seq + SEQ_JUMP_SLACK + Math.floor((Math.max(0, this.wall() - b.at) * MAX_SEQ_RATE_PER_S) / 1000);
  }

  /**
   * Admits an event's seq when it is within what the facility could have produced since its highest seq
   * (`seqCeiling`), and raises the base to it; false (nothing changed) beyond. A forged or buggy +999,999 would
   * otherwise become the maximum and make every seq below it look delivered (gaps that big are not tracked).
   */
  admitSeq(fid: string, seq: number): boolean {
    if (seq > this.seqCeiling(fid)) return false;
    if (seq > (this.maxSeq.get(fid)?.seq ?? 0)) this.maxSeq.set(fid, { seq, at: this.wall() });
    return true;
  }

  /** The highest seq admitted (0 when none). */
  highestSeq(fid: string): number {
    return this.maxSeq.get(fid)?.seq ?? 0;
  }

  /** An accepted status or birth raises the session base. */
  status(s: StatusPayload | BirthPayload): void {
    this.session.set(s.fid, Math.max(this.session.get(s.fid) ?? 0, s.session));
  }

  /**
   * An accepted birth raises the session base and announces the agent's last seq. The first a hub hears of a
   * facility may be anywhere (an agent older than the hub's database): it becomes the base. Later, a `last_seq`
   * within the ceiling raises the base (events up to it are then plausible); one beyond is not used (false: the
   * caller flags it). The birth itself still counts for liveness.
   */
  birth(b: BirthPayload): boolean {
    this.status(b);
    if (!this.maxSeq.has(b.fid)) {
      this.maxSeq.set(b.fid, { seq: b.last_seq, at: this.wall() });
      return true;
    }
    return this.admitSeq(b.fid, b.last_seq);
  }
}
