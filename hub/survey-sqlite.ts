import type Database from 'better-sqlite3';
import type { SurveyPayload } from '../contract/index.js';
import type { EpochMs } from '../agent/shared/types.js';
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

const DDL = `
  -- The latest survey of each facility, with the province summary's numbers computed when it was stored.
  CREATE TABLE IF NOT EXISTS survey_latest (
    fid TEXT PRIMARY KEY, ts TEXT NOT NULL, received_at INTEGER NOT NULL, payload TEXT NOT NULL,
    cameras INTEGER NOT NULL, online_share REAL, default_passwords INTEGER NOT NULL, without_rule INTEGER NOT NULL
  ) STRICT;
  -- One survey per facility and UTC day (the newest received that day).
  CREATE TABLE IF NOT EXISTS survey_days (
    fid TEXT NOT NULL, day TEXT NOT NULL, ts TEXT NOT NULL, received_at INTEGER NOT NULL, payload TEXT NOT NULL,
    PRIMARY KEY (fid, day)
  ) STRICT;
`;

interface Row {
  fid: string;
  day?: string;
  received_at: number;
  payload: string;
}

const stored = (r: Row): StoredSurvey => ({
  fid: r.fid,
  day: r.day ?? utcDay(r.received_at),
  receivedAt: r.received_at,
  survey: JSON.parse(r.payload) as SurveyPayload,
});

/** The surveys in the hub's SQLite file (see survey-store.ts); tables created on open. */
export class SqliteSurveys implements SurveyStore {
  constructor(private readonly db: Database.Database) {
    db.exec(DDL);
  }

  apply(s: SurveyPayload, at: EpochMs): Promise<SurveyOutcome> {
    return Promise.resolve(this.applyNow(s, at));
  }

  private applyNow(s: SurveyPayload, at: EpochMs): SurveyOutcome {
    if (surveyAhead(s, at)) return 'ahead';
    const payload = JSON.stringify(s);
    const t = surveyTotals(s);
    return this.db.transaction((): SurveyOutcome => {
      const held = this.db.prepare('SELECT ts FROM survey_latest WHERE fid = ?').pluck().get(s.fid) as string | undefined;
      if (held !== undefined && held >= s.ts) return held === s.ts ? 'duplicate' : 'older';
      this.db
        .prepare(
          `INSERT INTO survey_latest (fid, ts, received_at, payload, cameras, online_share, default_passwords, without_rule)
           VALUES (@fid, @ts, @at, @payload, @cameras, @share, @defaults, @noRule)
           ON CONFLICT (fid) DO UPDATE SET ts = excluded.ts, received_at = excluded.received_at, payload = excluded.payload,
             cameras = excluded.cameras, online_share = excluded.online_share, default_passwords = excluded.default_passwords,
             without_rule = excluded.without_rule`,
        )
        .run({ fid: s.fid, ts: s.ts, at, payload, cameras: t.cameras, share: t.onlineShare, defaults: t.defaultPasswords, noRule: t.withoutRule });
      this.db
        .prepare(
          `INSERT INTO survey_days (fid, day, ts, received_at, payload) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (fid, day) DO UPDATE SET ts = excluded.ts, received_at = excluded.received_at, payload = excluded.payload
           WHERE excluded.ts > survey_days.ts`,
        )
        .run(s.fid, utcDay(at), s.ts, at, payload);
      this.db.prepare('DELETE FROM survey_days WHERE fid = ? AND day < ?').run(s.fid, utcDay(at - SURVEY_HISTORY_DAYS * 86_400_000));
      return 'applied';
    })();
  }

  latest(fid: string): Promise<StoredSurvey | null> {
    const r = this.db.prepare('SELECT fid, received_at, payload FROM survey_latest WHERE fid = ?').get(fid) as Row | undefined;
    return Promise.resolve(r ? stored(r) : null);
  }

  history(fid: string, days: number, now: EpochMs): Promise<StoredSurvey[]> {
    const rows = this.db
      .prepare('SELECT fid, day, received_at, payload FROM survey_days WHERE fid = ? AND day > ? ORDER BY day DESC')
      .all(fid, utcDay(now - days * 86_400_000)) as Row[];
    return Promise.resolve(rows.map(stored));
  }

  summary(province: string | null): Promise<SurveySummaryRow[]> {
    const rows = this.db
      .prepare(
        `SELECT s.fid, r.province, s.ts, s.received_at AS receivedAt, json_extract(s.payload, '$.agent.version') AS agentVersion,
           s.cameras, s.online_share AS onlineShare, s.default_passwords AS defaultPasswords, s.without_rule AS withoutRule
         FROM survey_latest s LEFT JOIN registry r ON r.fid = s.fid
         WHERE @province IS NULL OR r.province = @province ORDER BY s.fid`,
      )
      .all({ province }) as SurveySummaryRow[];
    return Promise.resolve(rows);
  }
}
