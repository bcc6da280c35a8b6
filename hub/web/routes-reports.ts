import { HttpError, csvLine, sendBytes, sendJson } from '../../web/index.js';
import { REPORT_DAY_OFFSET_MIN, type DailyCount, type EventScope } from '../summary.js';
import type { WebDeps, WebRequest } from './context.js';

/** The longest report one request may ask for: a month, so a request can never ask the database for a year at once. */
export const MAX_REPORT_DAYS = 31;
/** Day boundaries of the reports: Vietnam's time (UTC+7, no daylight saving), one definition in summary.ts. */
export const REPORT_OFFSET_MIN = REPORT_DAY_OFFSET_MIN;
const DAY_MS = 86_400_000;

/**
 * `GET /ui/api/reports?from=YYYY-MM-DD&to=YYYY-MM-DD[&province=P][&format=csv]`: violations per day, province,
 * facility and type, both days included, in the user's scope (a province user: theirs; another province → 403,
 * logged). JSON for the page, CSV (formula-safe cells) for the form a province sends upward. Every report is an
 * export: written to the access log.
 */
export async function reports(r: WebRequest, d: WebDeps): Promise<void> {
  const q = r.url.searchParams;
  const from = day(q.get('from'), 'from');
  const to = day(q.get('to'), 'to');
  if (to < from) throw new HttpError(400, 'to: must not be before from');
  const days = (to - from) / DAY_MS + 1;
  if (days > MAX_REPORT_DAYS) throw new HttpError(400, `a report covers at most ${MAX_REPORT_DAYS} days (asked ${days}); ask month by month`);
  const format = q.get('format') ?? 'json';
  if (format !== 'json' && format !== 'csv') throw new HttpError(400, 'format: expected json or csv');
  const province = q.get('province') || null;
  const scope: { -readonly [K in keyof EventScope]: EventScope[K] } = {};
  if (r.who.tier === 'province') {
    if (province !== null && province !== r.who.scope) {
      await d.log(`user:${r.who.name}`, 'denied', null, `reports province=${province.slice(0, 100)}`, 403);
      throw new HttpError(403, `province ${province.slice(0, 100)} is outside your scope`);
    }
    scope.province = r.who.scope ?? '';
  } else if (r.who.tier === 'facility') {
    scope.fid = r.who.scope ?? '';
  } else if (province !== null) {
    scope.province = province.slice(0, 100);
  }
  if (!d.model.dailyCounts) throw new HttpError(404, 'this hub keeps no reports');
  const shift = REPORT_OFFSET_MIN * 60_000;
  const rows = await d.model.dailyCounts(scope, { fromMs: from - shift, toMs: to + DAY_MS - shift, offsetMin: REPORT_OFFSET_MIN });
  const period = `${iso(from)}..${iso(to)}`;
  await d.log(`user:${r.who.name}`, 'export', scope.fid ?? null, `report ${format} ${period}${scope.province !== undefined ? ` province=${scope.province}` : ''}`, 200);
  if (format === 'json') return sendJson(r.res, 200, { from: iso(from), to: iso(to), rows });
  const csv = csvLine(['day', 'province', 'fid', 'facility', 'type', 'count']) + rows.map((x: DailyCount) => csvLine([x.day, x.province, x.fid, x.name, x.type, x.count])).join('');
  sendBytes(r.res, 'text/csv; charset=utf-8', Buffer.from(`\ufeff${csv}`, 'utf8'), { 'Content-Disposition': `attachment; filename="qmon-report-${iso(from)}-${iso(to)}.csv"` });
}

/** A `YYYY-MM-DD` parameter as the UTC midnight of that date (ms), or 400 naming it. */
function day(text: string | null, name: string): number {
  if (text === null || !/^\d{4}-\d{2}-\d{2}$/.test(text)) throw new HttpError(400, `${name}: expected a date YYYY-MM-DD`);
  const ms = Date.parse(`${text}T00:00:00Z`);
  if (!Number.isFinite(ms) || iso(ms) !== text) throw new HttpError(400, `${name}: ${text} is not a date`);
  return ms;
}

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
