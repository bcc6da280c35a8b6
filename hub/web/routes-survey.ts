import { HttpError, sendJson } from '../../web/index.js';
import { stored, summaryRow, summaryTotals, surveyDays } from '../survey-routes.js';
import type { WebDeps, WebRequest } from './context.js';

/**
 * The camera survey in the web view, read from the hub's one SurveyStore (`model.surveys`, as the JSON API's
 * `survey-routes.ts` reads it, and answered in the same shapes), in the signed-in user's scope:
 * - `GET /ui/api/survey[?province=P]`: the province summary, one row per facility from its latest survey, with the
 *   totals; a national user sees all (or province P), a province user theirs (another P: 403, logged `denied`), a
 *   facility user its own row. Registered facilities in scope that sent no survey yet are listed beside it.
 * - `GET /ui/api/facilities/{fid}/survey[?days=N]`: the facility's latest survey and its daily history; outside the
 *   scope 403, logged `denied` (the facility page's own check).
 * Every read is an access-log row (action `survey`): a survey says which cameras still have factory passwords.
 */
export function surveyRoutes(scopedFid: (r: WebRequest, d: WebDeps, raw: string, action: 'survey', detail: string | null) => Promise<string>) {
  return [
    { method: 'GET', pattern: /^\/survey$/, handle: summary },
    { method: 'GET', pattern: /^\/facilities\/([^/]+)\/survey$/, handle: (r: WebRequest, d: WebDeps) => facilitySurvey(r, d, scopedFid) },
  ] as const;
}

function surveys(d: WebDeps) {
  if (!d.model.surveys) throw new HttpError(404, 'this hub keeps no camera surveys');
  return d.model.surveys;
}

async function summary(r: WebRequest, d: WebDeps): Promise<void> {
  const asked = r.url.searchParams.get('province') || null;
  if (asked !== null && asked.length > 100) throw new HttpError(400, 'province: at most 100 characters');
  if (r.who.tier !== 'national' && asked !== null && !(r.who.tier === 'province' && asked === r.who.scope)) {
    await d.log(`user:${r.who.name}`, 'denied', null, `survey province=${asked}`, 403);
    throw new HttpError(403, `province ${asked} is outside your scope`);
  }
  const store = surveys(d);
  const province = r.who.tier === 'province' ? (r.who.scope ?? '') : r.who.tier === 'national' ? asked : null;
  let rows = await store.summary(province);
  if (r.who.tier === 'facility') rows = rows.filter((x) => x.fid === r.who.scope);
  // Names, and the registered facilities that never sent a survey: a site whose cameras nobody surveyed is a finding too.
  const registry = (await d.model.registered?.()) ?? [];
  const names = new Map(registry.map((f) => [f.fid, f.name]));
  const surveyed = new Set(rows.map((x) => x.fid));
  const inScope = (f: { fid: string; province: string | null }) =>
    r.who.tier === 'facility' ? f.fid === r.who.scope : province === null || f.province === province;
  const notSurveyed = registry.filter((f) => !f.disabled && !surveyed.has(f.fid) && inScope(f)).map((f) => ({ fid: f.fid, name: f.name, province: f.province }));
  await d.log(`user:${r.who.name}`, 'survey', r.who.tier === 'facility' ? r.who.scope : null, province === null ? null : `province=${province}`, 200);
  sendJson(r.res, 200, {
    province,
    facilities: rows.map((x) => ({ ...summaryRow(x), name: names.get(x.fid) ?? null })),
    totals: summaryTotals(rows),
    not_surveyed: notSurveyed,
  });
}

async function facilitySurvey(r: WebRequest, d: WebDeps, scopedFid: Parameters<typeof surveyRoutes>[0]): Promise<void> {
  const days = surveyDays(r.url.searchParams.get('days'));
  if (typeof days === 'string') throw new HttpError(400, days);
  const fid = await scopedFid(r, d, r.params[0] ?? '', 'survey', `days=${days}`);
  const store = surveys(d);
  const [latest, history] = await Promise.all([store.latest(fid), store.history(fid, days, d.opts.now())]);
  await d.log(`user:${r.who.name}`, 'survey', fid, `days=${days}`, 200);
  sendJson(r.res, 200, { fid, latest: latest && stored(latest), history: history.map(stored) });
}
