import type { PoolClient } from 'pg';

/**
 * The PostgreSQL hub schema, as numbered migrations applied in order, each once, inside one transaction
 * with the version row (`schema_migrations`). Several hub processes may start at once: the first takes an
 * advisory lock, the others wait for it and then find nothing to do. Append only; never edit a shipped one.
 */
export const PG_MIGRATIONS: readonly { readonly version: number; readonly name: string; readonly sql: string }[] = [
  {
    version: 1,
    name: 'events (partitioned by month of started_at), deliveries, seq_state, facilities, registry, snapshots',
    sql: `
      -- Partition key: the month of the event's started_at. An event's identity (fid, event_id) never changes
      -- month across revisions (started_at is fixed at rev 1), so the primary key that PostgreSQL requires to
      -- contain the partition key still de-duplicates by (fid, event_id).
      CREATE TABLE events (
        fid text NOT NULL, event_id text NOT NULL, started_month date NOT NULL,
        rev integer NOT NULL, seq bigint NOT NULL, state text NOT NULL, type text NOT NULL,
        camera_id text NOT NULL, replay boolean NOT NULL, started_at timestamptz NOT NULL,
        payload jsonb NOT NULL, received_at bigint NOT NULL,
        PRIMARY KEY (fid, event_id, started_month)
      ) PARTITION BY RANGE (started_month);
      -- Facility + time (the facility page) and national/province + time (province = the fid's prefix before '-').
      CREATE INDEX events_fid_started ON events (fid, started_at DESC);
      CREATE INDEX events_started ON events (started_at DESC);
      CREATE INDEX events_province_started ON events ((split_part(fid, '-', 1)), started_at DESC);
      CREATE INDEX events_received ON events (received_at DESC);
      CREATE TABLE events_default PARTITION OF events DEFAULT;

      -- Every (fid, seq) once: how "exactly once" and "no gaps" are counted.
      CREATE TABLE deliveries (
        fid text NOT NULL, seq bigint NOT NULL, event_id text NOT NULL, rev integer NOT NULL,
        replay boolean NOT NULL, received_at bigint NOT NULL,
        PRIMARY KEY (fid, seq)
      );
      -- Per facility: highest seq, the gap watermark and the last resend request (shared by all hub processes).
      CREATE TABLE seq_state (
        fid text PRIMARY KEY, first_seq bigint NOT NULL, contiguous_upto bigint NOT NULL, last_resend_at bigint
      );
      CREATE TABLE facilities (
        fid text PRIMARY KEY, session bigint NOT NULL, status text NOT NULL, birth jsonb, heartbeat jsonb,
        heartbeat_at bigint, cameras jsonb NOT NULL DEFAULT '[]', updated_at bigint NOT NULL
      );
      CREATE TABLE registry (
        fid text PRIMARY KEY, name text, added_at bigint NOT NULL, disabled boolean NOT NULL DEFAULT false,
        public_key text
      );
      CREATE TABLE snapshots (
        fid text NOT NULL, event_id text NOT NULL, sha256 text NOT NULL, bytes integer NOT NULL,
        file text NOT NULL, received_at bigint NOT NULL, PRIMARY KEY (fid, event_id)
      );
      -- Creates the month partition an insert needs (called before each insert into a month not yet seen by
      -- this process; idempotent, and safe when two processes race: the loser's CREATE is skipped).
      CREATE FUNCTION qmon_events_partition(m date) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        name text := 'events_' || to_char(m, 'YYYY_MM');
      BEGIN
        IF to_regclass(name) IS NULL THEN
          BEGIN
            EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', name, m, (m + interval '1 month')::date);
          EXCEPTION WHEN duplicate_table OR unique_violation THEN NULL;
          END;
        END IF;
      END $$;
    `,
  },
  {
    version: 2,
    name: 'registry: the next key of a rotation and the province (the API tiers), as in the SQLite registry',
    sql: `
      ALTER TABLE registry ADD COLUMN next_public_key text;
      ALTER TABLE registry ADD COLUMN province text;
    `,
  },
  {
    version: 3,
    name: 'api_tokens and access_log: the HTTP API on PostgreSQL (as api-access.ts keeps them in SQLite)',
    sql: `
      CREATE TABLE api_tokens (
        name text PRIMARY KEY, tier text NOT NULL, scope text, sha256 text NOT NULL UNIQUE,
        created_at bigint NOT NULL, revoked boolean NOT NULL DEFAULT false
      );
      CREATE TABLE access_log (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at bigint NOT NULL, token text NOT NULL, action text NOT NULL,
        fid text, detail text, status integer NOT NULL
      );
      -- Audits read the log by time ("who read what last week").
      CREATE INDEX access_log_at ON access_log (at DESC);
    `,
  },
  {
    version: 4,
    name: 'facilities.status_n: the number within its session of the last status accepted (freshness of liveness)',
    sql: `
      ALTER TABLE facilities ADD COLUMN status_n bigint;
    `,
  },
  {
    version: 5,
    name: 'hub_users: people who sign in to the web view (as users.ts keeps them in SQLite)',
    sql: `
      CREATE TABLE hub_users (
        name text PRIMARY KEY, tier text NOT NULL, scope text, hash text NOT NULL, lang text NOT NULL DEFAULT 'vi',
        created_at bigint NOT NULL, updated_at bigint NOT NULL
      );
    `,
  },
  {
    version: 6,
    name: 'alert_reviews: "reviewed" marks with a note by province/national officers (as reviews.ts keeps them in SQLite)',
    sql: `
      CREATE TABLE alert_reviews (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, fid text NOT NULL, event_id text NOT NULL,
        reviewer text NOT NULL, note text NOT NULL, at bigint NOT NULL
      );
      CREATE INDEX alert_reviews_event ON alert_reviews (fid, event_id, id DESC);
    `,
  },
  {
    version: 7,
    name: 'survey_latest and survey_days: the camera surveys (qmon.survey/1), as survey-sqlite.ts keeps them',
    sql: `
      CREATE TABLE survey_latest (
        fid text PRIMARY KEY, ts text NOT NULL, received_at bigint NOT NULL, payload jsonb NOT NULL,
        cameras integer NOT NULL, online_share double precision, default_passwords integer NOT NULL,
        without_rule integer NOT NULL
      );
      CREATE TABLE survey_days (
        fid text NOT NULL, day date NOT NULL, ts text NOT NULL, received_at bigint NOT NULL, payload jsonb NOT NULL,
        PRIMARY KEY (fid, day)
      );
    `,
  },
  {
    version: 8,
    name: 'heartbeat_log: each facility\'s heartbeats over 48 h for the web view (as heartbeat-log.ts keeps them in SQLite)',
    sql: `
      CREATE TABLE heartbeat_log (
        fid text NOT NULL, at bigint NOT NULL, pending integer NOT NULL, oldest_age_s integer, cameras_online integer NOT NULL,
        cameras_total integer NOT NULL
      );
      CREATE INDEX heartbeat_log_fid_at ON heartbeat_log (fid, at);
    `,
  },
  {
    version: 9,
    name: 'facility_counts and event_days: per facility counters and per day counts kept at ingest (the overview and reports read them by scanning every event)',
    sql: `
      -- The overview summarises every facility; counting 4 M events and deliveries for it took seconds. ingest-pg.ts
      -- adds each batch's new rows here in the statement that stores them.
      CREATE TABLE facility_counts (
        fid text PRIMARY KEY, deliveries bigint NOT NULL DEFAULT 0, min_seq bigint, max_seq bigint,
        events bigint NOT NULL DEFAULT 0, last_event_at bigint
      );
      INSERT INTO facility_counts (fid, deliveries, min_seq, max_seq, events, last_event_at)
      SELECT coalesce(d.fid, e.fid), coalesce(d.n, 0), d.min_seq, d.max_seq, coalesce(e.n, 0), e.last
      FROM (SELECT fid, count(*) AS n, min(seq) AS min_seq, max(seq) AS max_seq FROM deliveries GROUP BY fid) d
      FULL JOIN (SELECT fid, count(*) AS n, max(received_at) AS last FROM events GROUP BY fid) e ON e.fid = d.fid;
      -- The reports' counts per day (Vietnam's day, UTC+7: REPORT_DAY_OFFSET_MIN in read-pg.ts), facility and type:
      -- a national month is ~186,000 such rows instead of millions of events to scan.
      CREATE TABLE event_days (
        day date NOT NULL, fid text NOT NULL, type text NOT NULL, n bigint NOT NULL, PRIMARY KEY (day, fid, type)
      );
      INSERT INTO event_days (day, fid, type, n)
      SELECT ((started_at AT TIME ZONE 'UTC') + interval '7 hours')::date, fid, type, count(*) FROM events GROUP BY 1, 2, 3;
      -- Events inserted (not a later revision's update of one): counted once per statement from its transition table,
      -- exact whichever process inserts (an upsert cannot tell its inserts from its updates in RETURNING here).
      CREATE FUNCTION qmon_count_new_events() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO facility_counts AS fc (fid, events)
        SELECT fid, count(*) FROM new_events GROUP BY fid ORDER BY fid
        ON CONFLICT (fid) DO UPDATE SET events = fc.events + excluded.events;
        INSERT INTO event_days AS ed (day, fid, type, n)
        SELECT ((started_at AT TIME ZONE 'UTC') + interval '7 hours')::date, fid, type, count(*) FROM new_events GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (day, fid, type) DO UPDATE SET n = ed.n + excluded.n;
        RETURN NULL;
      END $$;
      CREATE TRIGGER events_count AFTER INSERT ON events REFERENCING NEW TABLE AS new_events
        FOR EACH STATEMENT EXECUTE FUNCTION qmon_count_new_events();
    `,
  },
];

const MIGRATION_LOCK = 0x716d6f6e; // 'qmon': one advisory lock for schema changes

/** Applies the migrations not applied yet; returns the schema version now in place. */
export async function migrate(client: PoolClient): Promise<number> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    for (const m of PG_MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw new Error(`hub database migration ${m.version} failed: ${(e as Error).message}`);
      }
    }
    return Math.max(0, ...PG_MIGRATIONS.map((m) => m.version));
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}
