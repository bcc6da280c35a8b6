import { MAX_SEQ_JUMP, MAX_SESSION_JUMP } from '../contract/index.js';
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

/**
 * The bases of admission's plausibility bounds, per facility: the highest seq and session this process has
 * seen (seeded from the store at start). Liveness, gaps and resends are NOT kept here: they live in the
 * store, shared by every hub process (store.ts). A process that sees only part of a facility's messages
 * (shared subscriptions) has a base at most a few messages behind the database's, far inside the 1,000,000
 * and 100,000 bounds.
 */
export class FacilityTracker {
  private readonly maxSeq = new Map<string, number>();
  private readonly lastSeqOfBirth = new Map<string, number>();
  private readonly session = new Map<string, number>();

  /** The two numbers before the maps are the old tracker's stale/grace times, kept for its callers; unused. */
  constructor(_hbStaleMs = 0, _gapGraceMs = 0, maxSeqs: Map<string, number> = new Map(), sessions: Map<string, number> = new Map()) {
    this.load(maxSeqs, sessions);
  }

  /** Raises the bases to what the store holds (at start, and for the PostgreSQL store once it is open). */
  load(maxSeqs: Map<string, number>, sessions: Map<string, number>): void {
    for (const [fid, s] of maxSeqs) this.seq(fid, s);
    for (const [fid, s] of sessions) this.session.set(fid, Math.max(this.session.get(fid) ?? 0, s));
  }

  /**
   * Whether a session is a plausible next one: at most MAX_SESSION_JUMP above the highest seen. The
   * agent adds one per connection attempt, so only a forged message jumps further; accepting it would
   * make every real status look "older" (a live facility shown offline) for good.
   */
  sessionPlausible(fid: string, session: number): boolean {
    return session <= (this.session.get(fid) ?? 0) + MAX_SESSION_JUMP;
  }

  /**
   * Whether an event's seq is a plausible one: at most MAX_SEQ_JUMP above the highest seen (or the
   * `last_seq` the agent announced in its birth, if higher). A forged huge seq would otherwise become
   * the persisted maximum and switch gap detection off for that facility for good.
   */
  seqPlausible(fid: string, seq: number): boolean {
    const base = Math.max(this.maxSeq.get(fid) ?? 0, this.lastSeqOfBirth.get(fid) ?? 0);
    return seq <= base + MAX_SEQ_JUMP;
  }

  /** An accepted status or birth raises the session base. */
  status(s: StatusPayload | BirthPayload): void {
    this.session.set(s.fid, Math.max(this.session.get(s.fid) ?? 0, s.session));
  }

  /** An accepted birth raises the session base and announces the agent's last seq. */
  birth(b: BirthPayload): void {
    this.status(b);
    this.lastSeqOfBirth.set(b.fid, Math.max(this.lastSeqOfBirth.get(b.fid) ?? 0, b.last_seq));
  }

  /** A stored event raises the seq base. */
  seq(fid: string, seq: number): void {
    this.maxSeq.set(fid, Math.max(this.maxSeq.get(fid) ?? 0, seq));
  }
}
