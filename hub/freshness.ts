/**
 * Freshness of liveness messages (docs/hub-contract.md, "Freshness"): what became of a status, birth, heartbeat or
 * camera status that a store did not apply, decided the same way by both stores from the facility's row. The store's
 * own UPDATE decides whether it applies (one statement: any order, any process); this only names why not.
 */
import type { CamStatusPayload } from '../contract/index.js';

/**
 * `applied`; `older`: of an older session than the stored one (a late Will: normal, ignored); `duplicate`: the
 * very message already applied (with several hub processes every one of them gets every status and birth; not a
 * replay worth counting); `stale`: of the stored session but older than what was accepted (its `n`), or of a
 * session that ended (`offline`): a replay, refused and counted.
 */
export type LivenessOutcome = 'applied' | 'older' | 'duplicate' | 'stale';

export type LivenessKind = 'status' | 'birth' | 'hb';

/** What a store read back of the facility (after its UPDATE did not apply). */
export interface LivenessRow {
  readonly session: number;
  readonly status: string;
  readonly statusN: number | null;
  readonly birthSession: number | null;
  readonly birthN: number | null;
  readonly hbSession: number | null;
  readonly hbN: number | null;
}

/** Why a message of `kind` with `session` and `n` was not applied to `row`. */
export function notAppliedOutcome(kind: LivenessKind, row: LivenessRow | undefined, session: number, n: number | undefined): LivenessOutcome {
  if (!row) return 'stale';
  if (session < row.session) return 'older';
  // After an offline nothing of that session counts any more (a birth of it is still stored: it says nothing live).
  if (kind !== 'birth' && session === row.session && row.status === 'offline') return 'stale';
  const [lastSession, lastN] = kind === 'status' ? [row.session, row.statusN] : kind === 'birth' ? [row.birthSession, row.birthN] : [row.hbSession, row.hbN];
  return n !== undefined && lastSession === session && lastN === n ? 'duplicate' : 'stale';
}

/**
 * Whether a camera status is newer than the one stored for that camera: a later session, or the same session and
 * a higher `n` (either side without `n`, an older agent: accepted as before).
 */
export function cameraFreshness(stored: CamStatusPayload | undefined, c: CamStatusPayload): LivenessOutcome {
  if (stored === undefined || c.session > stored.session) return 'applied';
  if (c.session < stored.session) return 'older';
  if (c.n === undefined || stored.n === undefined || c.n > stored.n) return 'applied';
  return c.n === stored.n ? 'duplicate' : 'stale';
}
