/**
 * The camera surveys a hub keeps (`qmon.survey/1`, docs/hub-contract.md "qmon.survey/1"): the latest of each facility
 * and one per day (the last received that day, hub time, UTC). Both stores implement `SurveyStore`
 * (`survey-sqlite.ts`, `survey-pg.ts`); what they store is only what the contract's reader validated, as JSON data,
 * never markup (the routes serve it as `application/json`, a page escapes it).
 */
import type { SurveyPayload } from '../contract/index.js';
import { MAX_SESSION_AHEAD_S } from '../contract/index.js';
import type { EpochMs } from '../agent/shared/types.js';

/** One stored survey: the facility's own payload and when (and on which UTC day) the hub received it. */
export interface StoredSurvey {
  readonly fid: string;
  /** `YYYY-MM-DD`, the UTC day the hub received it. */
  readonly day: string;
  readonly receivedAt: EpochMs;
  readonly survey: SurveyPayload;
}

/**
 * `applied`: it is the facility's newest; `duplicate`: the very survey again (a retained one after a restart, or
 * another `--shared` process's copy); `older`: a survey older than the one held (a replay: not stored); `ahead`: its
 * `ts` is more than a day ahead of the hub's clock (refused: it would hide every later real survey).
 */
export type SurveyOutcome = 'applied' | 'duplicate' | 'older' | 'ahead';

/** What a province summary shows of one facility, from its latest survey. */
export interface SurveyTotals {
  readonly cameras: number;
  /** Mean `online_share` over the cameras that report one; null when none does. */
  readonly onlineShare: number | null;
  /** Cameras whose login is a vendor default. */
  readonly defaultPasswords: number;
  /** Enabled cameras with no rule configured. */
  readonly withoutRule: number;
}

export interface SurveySummaryRow extends SurveyTotals {
  readonly fid: string;
  readonly province: string | null;
  readonly ts: string;
  readonly receivedAt: EpochMs;
  readonly agentVersion: string;
}

export interface SurveyStore {
  apply(s: SurveyPayload, at: EpochMs): Promise<SurveyOutcome>;
  latest(fid: string): Promise<StoredSurvey | null>;
  /** The daily surveys of the last `days` days (by the hub's UTC day), newest first. */
  history(fid: string, days: number, now: EpochMs): Promise<StoredSurvey[]>;
  /** The totals of every facility's latest survey; only those registered with `province` when given. */
  summary(province: string | null): Promise<SurveySummaryRow[]>;
}

/** Days of history kept per facility; older days are deleted when a newer survey is stored. */
export const SURVEY_HISTORY_DAYS = 400;
/** Most days `GET /facilities/{fid}/survey?days=` returns. */
export const MAX_SURVEY_DAYS = 366;

/** The UTC day of a wall time, `YYYY-MM-DD`. */
export const utcDay = (at: EpochMs): string => new Date(at).toISOString().slice(0, 10);

/** Whether a survey claims a time too far ahead of the hub's clock to be ordered by (see SurveyOutcome `ahead`). */
export const surveyAhead = (s: SurveyPayload, at: EpochMs): boolean => Date.parse(s.ts) - at > MAX_SESSION_AHEAD_S * 1000;

/** The province summary's numbers of one survey (computed once when it is stored). */
export function surveyTotals(s: SurveyPayload): SurveyTotals {
  const shares = s.cameras.flatMap((c) => (c.uptime_24h === null ? [] : [c.uptime_24h.online_share]));
  return {
    cameras: s.cameras.length,
    onlineShare: shares.length === 0 ? null : Math.round((shares.reduce((a, b) => a + b, 0) / shares.length) * 10_000) / 10_000,
    defaultPasswords: s.cameras.filter((c) => c.default_password === true).length,
    withoutRule: s.cameras.filter((c) => c.enabled && c.rules === 0).length,
  };
}
