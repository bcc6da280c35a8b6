import { MAX_SEQ_JUMP, MAX_SESSION_JUMP } from '../contract/index.js';
import type { MonoMs } from '../shared/types.js';
import type { BirthPayload, CamStatusPayload, HeartbeatPayload, StatusPayload } from '../contract/index.js';

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

interface Facility {
  fid: string;
  session: number;
  status: StatusPayload['state'] | 'unknown';
  birth: BirthPayload | null;
  lastHb: HeartbeatPayload | null;
  lastHbAt: MonoMs | null;
  /** 0 = nothing seen yet, so the first seq seen is the baseline, not a gap. */
  maxSeq: number;
  /** Missing seq → when it was first noticed. */
  missing: Map<number, MonoMs>;
  lastResendAt: MonoMs | null;
  cameras: Map<string, CamStatusPayload>;
}

/** A jump bigger than this is an agent whose store was reset, not a gap worth asking for. */
const MAX_TRACKED_GAP = 100_000;

export interface ResendRange {
  readonly fid: string;
  readonly from: number;
  readonly to: number;
}

/**
 * What the hub knows per facility: session (to ignore a late Will from an older session), last
 * heartbeat, and the seqs it has not seen (to ask the agent to resend them).
 */
export class FacilityTracker {
  private readonly map = new Map<string, Facility>();

  constructor(
    private readonly hbStaleMs: number,
    private readonly gapGraceMs: number,
    maxSeqs: Map<string, number> = new Map(),
    sessions: Map<string, number> = new Map(),
  ) {
    for (const [fid, s] of maxSeqs) this.get(fid).maxSeq = s;
    // Only the bound's base: the status logic starts fresh after a restart (a retained birth of the
    // stored session must still mark the facility online, see birth()).
    this.storedSessions = sessions;
  }

  private readonly storedSessions: Map<string, number>;

  /**
   * Whether a session is a plausible next one: at most MAX_SESSION_JUMP above the highest seen. The
   * agent adds one per connection attempt, so only a forged message jumps further; accepting it would
   * make every real status look "older" (a live facility shown offline) for good.
   */
  sessionPlausible(fid: string, session: number): boolean {
    const base = Math.max(this.map.get(fid)?.session ?? 0, this.storedSessions.get(fid) ?? 0);
    return session <= base + MAX_SESSION_JUMP;
  }

  /**
   * Whether an event's seq is a plausible one: at most MAX_SEQ_JUMP above the highest seen (or the
   * `last_seq` the agent announced in its birth, if higher). A forged huge seq would otherwise become
   * the persisted maximum and switch gap detection off for that facility for good.
   */
  seqPlausible(fid: string, seq: number): boolean {
    const f = this.map.get(fid);
    const base = Math.max(f?.maxSeq ?? 0, f?.birth?.last_seq ?? 0);
    return seq <= base + MAX_SEQ_JUMP;
  }

  private get(fid: string): Facility {
    let f = this.map.get(fid);
    if (!f) {
      f = {
        fid,
        session: 0,
        status: 'unknown',
        birth: null,
        lastHb: null,
        lastHbAt: null,
        maxSeq: 0,
        missing: new Map(),
        lastResendAt: null,
        cameras: new Map(),
      };
      this.map.set(fid, f);
    }
    return f;
  }

  /**
   * Returns false when the status is from an older session than one already seen and was ignored:
   * typically the Will of a connection that died after the agent had already reconnected.
   */
  status(s: StatusPayload): boolean {
    const f = this.get(s.fid);
    if (s.session < f.session) return false;
    f.session = Math.max(f.session, s.session);
    f.status = s.state;
    return true;
  }

  /**
   * A birth from a newer session than any seen means the agent connected again: it is online, even
   * if the retained status the broker still holds is an older session's offline Will (that Will can
   * overwrite the newer retained `online`, and a hub that restarts gets it before the birth).
   */
  birth(b: BirthPayload): void {
    const f = this.get(b.fid);
    if (b.session > f.session) f.status = 'online';
    f.session = Math.max(f.session, b.session);
    f.birth = b;
  }

  heartbeat(h: HeartbeatPayload, now: MonoMs): void {
    const f = this.get(h.fid);
    f.lastHb = h;
    f.lastHbAt = now;
  }

  camera(c: CamStatusPayload): void {
    this.get(c.fid).cameras.set(c.camera_id, c);
  }

  /** Notes a delivered seq; opens a gap when it jumps past the highest one seen. */
  seq(fid: string, seq: number, now: MonoMs): void {
    const f = this.get(fid);
    f.missing.delete(seq);
    if (seq <= f.maxSeq) return;
    if (f.maxSeq > 0 && seq - f.maxSeq - 1 <= MAX_TRACKED_GAP) {
      for (let s = f.maxSeq + 1; s < seq; s++) f.missing.set(s, now);
    }
    f.maxSeq = seq;
  }

  /**
   * Gaps worth asking for now: missing for longer than the grace period (the backlog lane sends
   * older seqs after newer live ones, so a fresh gap is normal), not while the agent's last
   * heartbeat says it still has rows pending, and at most once per grace period.
   */
  dueResends(now: MonoMs): ResendRange[] {
    const out: ResendRange[] = [];
    for (const f of this.map.values()) {
      if (f.missing.size === 0) continue;
      if (f.lastHb && f.lastHb.outbox.pending > 0) continue;
      if (f.lastResendAt !== null && now - f.lastResendAt < this.gapGraceMs) continue;
      const old = [...f.missing].filter(([, at]) => now - at >= this.gapGraceMs).map(([s]) => s);
      if (old.length === 0) continue;
      old.sort((a, b) => a - b);
      let from = old[0]!;
      let prev = from;
      for (const s of old.slice(1)) {
        if (s !== prev + 1) {
          out.push({ fid: f.fid, from, to: prev });
          from = s;
        }
        prev = s;
      }
      out.push({ fid: f.fid, from, to: prev });
      f.lastResendAt = now;
    }
    return out;
  }

  list(now: MonoMs): FacilityView[] {
    return [...this.map.keys()].map((fid) => this.view(fid, now));
  }

  view(fid: string, now: MonoMs): FacilityView {
    const f = this.get(fid);
    return {
      fid: f.fid,
      session: f.session,
      status: f.status,
      birth: f.birth,
      lastHeartbeat: f.lastHb,
      heartbeatStale: f.lastHbAt === null || now - f.lastHbAt > this.hbStaleMs,
      maxSeq: f.maxSeq,
      missingSeqs: [...f.missing.keys()].sort((a, b) => a - b),
      cameras: [...f.cameras.values()],
    };
  }
}
