import type { SurveyPayload } from '../contract/index.js';
import type { EpochMs } from '../agent/shared/types.js';
import type { PgQuery } from './api-access-pg.js';
import {
  SURVEY_HISTORY_DAYS,
  surveyAhead,
  surveyTotals,
  utcDay,
  type StoredSurvey,
  type SurveyOutcome,
  type SurveyStore,
  type SurveySummaryRow,
} from './survey-store.js';

interface Row extends Record<string, unknown> {
  fid: string;
  day: string;
  received_at: number;
  payload: SurveyPayload;
}

const stored = (r: Row): StoredSurvey => ({ fid: r.fid, day: r.day, receivedAt: r.received_at, survey: r.payload });

/**
 * The surveys in the PostgreSQL hub database (migration 7, see survey-store.ts). Every process of a `--shared` hub
 * receives each (retained, unshared) survey: the latest is replaced only by a newer `ts` in one statement, so any
 * order of arrival at any process ends in the same rows.
 */
export class PgSurveys implements SurveyStore {
  constructor(private readonly q: PgQuery) {}

  async apply(s: SurveyPayload, at: EpochMs): Promise<SurveyOutcome> {
    if (surveyAhead(s, at)) return 'ahead';
    const t = surveyTotals(s);
    // The final SELECT sees the rows as they were before this statement: `held` is the ts that was there.
    const r = await this.q<{ applied: number; held: string | null }>(
      `WITH up AS (
         INSERT INTO survey_latest (fid, ts, received_at, payload, cameras, online_share, default_passwords, without_rule)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)
         ON CONFLICT (fid) DO UPDATE SET ts = excluded.ts, received_at = excluded.received_at, payload = excluded.payload,
           cameras = excluded.cameras, online_share = excluded.online_share, default_passwords = excluded.default_passwords,
           without_rule = excluded.without_rule
         WHERE survey_latest.ts < excluded.ts
         RETURNING fid
       ), day AS (
         INSERT INTO survey_days (fid, day, ts, received_at, payload)
         SELECT $1, $9::date, $2, $3, $4::jsonb WHERE EXISTS (SELECT 1 FROM up)
         ON CONFLICT (fid, day) DO UPDATE SET ts = excluded.ts, received_at = excluded.received_at, payload = excluded.payload
         WHERE survey_days.ts < excluded.ts
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM up)::int AS applied, (SELECT ts FROM survey_latest WHERE fid = $1) AS held,
         (SELECT count(*) FROM day)::int AS days`,
      [s.fid, s.ts, at, JSON.stringify(s), t.cameras, t.onlineShare, t.defaultPasswords, t.withoutRule, utcDay(at)],
    );
    const row = r.rows[0];
    if (row && row.applied === 1) {
      await this.q('DELETE FROM survey_days WHERE fid = $1 AND day < $2::date', [s.fid, utcDay(at - SURVEY_HISTORY_DAYS * 86_400_000)]);
      return 'applied';
    }
    return row?.held === s.ts ? 'duplicate' : 'older';
  }

  async latest(fid: string): Promise<StoredSurvey | null> {
    const r = await this.q<Row>('SELECT fid, received_at, payload FROM survey_latest WHERE fid = $1', [fid]);
    const row = r.rows[0];
    return row ? stored({ ...row, day: utcDay(row.received_at) }) : null;
  }

  async history(fid: string, days: number, now: EpochMs): Promise<StoredSurvey[]> {
    const r = await this.q<Row>(
      `SELECT fid, to_char(day, 'YYYY-MM-DD') AS day, received_at, payload FROM survey_days
       WHERE fid = $1 AND day > $2::date ORDER BY day DESC`,
      [fid, utcDay(now - days * 86_400_000)],
    );
    return r.rows.map(stored);
  }

  async summary(province: string | null): Promise<SurveySummaryRow[]> {
    const r = await this.q<SurveySummaryRow & Record<string, unknown>>(
      `SELECT s.fid, r.province, s.ts, s.received_at AS "receivedAt", s.payload #>> '{agent,version}' AS "agentVersion",
         s.cameras, s.online_share AS "onlineShare", s.default_passwords AS "defaultPasswords", s.without_rule AS "withoutRule"
       FROM survey_latest s LEFT JOIN registry r ON r.fid = s.fid
       WHERE $1::text IS NULL OR r.province = $1 ORDER BY s.fid`,
      [province],
    );
    return r.rows;
  }
}
