/**
 * The camera survey's JSON routes on the hub's HTTP API (wired into http.ts with a few lines, same tiers and access
 * log as the other reads):
 * - `GET /facilities/{fid}/survey[?days=N]`: the facility's latest survey and its daily history (N days, default 30,
 *   1..366), newest first; 403 outside the token's scope.
 * - `GET /survey[?province=P]`: the province summary, one row per facility from its latest survey: cameras, mean
 *   share online over 24 h, cameras with a vendor default password, enabled cameras without a rule, and the totals.
 *   A province token sees its province only (another `province=` is 403), a facility token its own row.
 * Both are written to the access log (action `survey`): a survey says which cameras still have factory passwords.
 * What is served is the stored, validated payload as JSON (`application/json`, never HTML): a hostile facility's
 * text is data here, and whoever shows it escapes it.
 */
import { FID_RE } from '../contract/index.js';
import type { ApiPrincipal } from './api-access.js';
import { MAX_SURVEY_DAYS, type StoredSurvey, type SurveyStore, type SurveySummaryRow } from './survey-store.js';

export const DEFAULT_SURVEY_DAYS = 30;

/** What the routes need of the HTTP handler: who asks, the scope check, the answer and the access log. */
export interface SurveyRouteContext {
  readonly surveys: Pick<SurveyStore, 'latest' | 'history' | 'summary'> | undefined;
  readonly who: ApiPrincipal | null;
  readonly now: number;
  inScope(fid: string): Promise<boolean>;
  send(status: number, body: unknown): void;
  audit(fid: string | null, detail: string | null, status: number): Promise<void>;
}

const FACILITY_SURVEY = /^\/facilities\/([^/]+)\/survey$/;

/** Whether a path is one of the survey routes (the caller then hands the request to `serveSurvey`). */
export function isSurveyPath(pathname: string): boolean {
  return pathname === '/survey' || FACILITY_SURVEY.test(pathname);
}

const iso = (ms: number) => new Date(ms).toISOString();
/** A stored survey as the routes (this API's and the web view's) answer it. */
export const stored = (s: StoredSurvey) => ({ day: s.day, received_at: iso(s.receivedAt), survey: s.survey });

/** One facility's row of the province summary as the routes answer it. */
export function summaryRow(r: SurveySummaryRow) {
  return {
    fid: r.fid,
    province: r.province,
    ts: r.ts,
    received_at: iso(r.receivedAt),
    agent_version: r.agentVersion,
    cameras: r.cameras,
    online_share_24h: r.onlineShare,
    default_passwords: r.defaultPasswords,
    cameras_without_rule: r.withoutRule,
  };
}

/** The totals of a summary: cameras summed, the share online weighted by each facility's cameras. */
export function summaryTotals(rows: readonly SurveySummaryRow[]) {
  const known = rows.filter((r) => r.onlineShare !== null);
  const weight = known.reduce((a, r) => a + r.cameras, 0);
  return {
    facilities: rows.length,
    cameras: rows.reduce((a, r) => a + r.cameras, 0),
    online_share_24h: weight === 0 ? null : Math.round((known.reduce((a, r) => a + r.onlineShare! * r.cameras, 0) / weight) * 10_000) / 10_000,
    default_passwords: rows.reduce((a, r) => a + r.defaultPasswords, 0),
    cameras_without_rule: rows.reduce((a, r) => a + r.withoutRule, 0),
  };
}

/** The `days` parameter (absent: DEFAULT_SURVEY_DAYS), or the 400's message naming it. */
export function surveyDays(text: string | null): number | string {
  const days = text === null ? DEFAULT_SURVEY_DAYS : Number(text);
  return Number.isInteger(days) && days >= 1 && days <= MAX_SURVEY_DAYS ? days : `days must be an integer 1..${MAX_SURVEY_DAYS}, got "${(text ?? '').slice(0, 20)}"`;
}

export async function serveSurvey(pathname: string, method: string | undefined, params: URLSearchParams, c: SurveyRouteContext): Promise<void> {
  if (method !== 'GET') return c.send(405, { error: 'only GET is supported' });
  if (!c.surveys) return c.send(404, { error: 'this hub keeps no camera surveys' });
  const m = FACILITY_SURVEY.exec(pathname);
  if (m) {
    const fid = m[1] ?? '';
    if (!FID_RE.test(fid)) return c.send(400, { error: `expected /facilities/{fid}/survey with fid matching ${String(FID_RE)}` });
    const days = surveyDays(params.get('days'));
    if (typeof days === 'string') return c.send(400, { error: days });
    if (!(await c.inScope(fid))) {
      await c.audit(fid, `days=${days}`, 403);
      return c.send(403, { error: `facility ${fid} is outside this token's scope` });
    }
    const [latest, history] = await Promise.all([c.surveys.latest(fid), c.surveys.history(fid, days, c.now)]);
    await c.audit(fid, `days=${days}`, 200);
    return c.send(200, { fid, latest: latest && stored(latest), history: history.map(stored) });
  }
  const asked = params.get('province');
  if (asked !== null && (asked.length === 0 || asked.length > 100)) return c.send(400, { error: 'province must be 1..100 characters' });
  const { who } = c;
  if (who?.tier === 'province' && asked !== null && asked !== who.scope) {
    await c.audit(null, `province=${asked.slice(0, 100)}`, 403);
    return c.send(403, { error: 'that province is outside this token\'s scope' });
  }
  const province = who?.tier === 'province' ? who.scope : asked;
  let rows = await c.surveys.summary(province);
  if (who?.tier === 'facility') rows = rows.filter((r) => r.fid === who.scope);
  await c.audit(who?.tier === 'facility' ? who.scope : null, province === null ? null : `province=${province}`, 200);
  return c.send(200, { province, facilities: rows.map(summaryRow), totals: summaryTotals(rows) });
}
