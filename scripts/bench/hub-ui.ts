/**
 * `npm run bench -- hub-ui` (issue #22): the national web view's reads on PostgreSQL at national scale.
 *
 * A fresh PostgreSQL (the tests' own, durable settings) with the hub's schema, HUB_UI_FACILITIES facilities (default
 * 2,000) in 63 provinces, 5,400 cameras at that default (2 or 3 per facility) in their heartbeats, and HUB_UI_EVENTS
 * events (default 4,000,000; the real month at 10 per camera-hour would be ~39 M) spread over the last 30 days with
 * one delivery row each, all generated inside PostgreSQL (generate_series), then ANALYZEd. Then each read the web
 * view makes, HUB_UI_REPEAT times (default 20), through the hub's own read model (`PgHubReader`, the queries the
 * routes run; HTTP, sessions and JSON on top are not timed here): the overview (every facility's summary: a national
 * user and a province user read the same query, the scope is applied to its rows), the live alert list national /
 * province / filtered by type, a facility's alerts, the event query by facility and day (with its EXPLAIN), and the
 * reports (7 and 31 days, national and province). p50 / p95 / max ms per read. Then the live list's fan-out
 * (hub-ui-fanout.ts): HUB_UI_FANOUT_RATE events/s (50) for HUB_UI_FANOUT_S seconds (10) to HUB_UI_SESSIONS streams
 * (50), commit → stream p50 / p95.
 */
import pg from 'pg';
import { cpus } from 'node:os';
import { PgHubStore, REPORT_DAY_OFFSET_MIN } from '../../hub/index.js';
import { startPostgres } from '../../test/support/postgres.js';
import { benchFanOut } from './hub-ui-fanout.js';

const DAY_MS = 86_400_000;
const PROVINCES = 63;

type Row = Record<string, unknown> & { scenario: 'hub-ui' };

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${raw}`);
  return n;
}

const province = (i: string) => `'p' || lpad((((${i}) - 1) % ${PROVINCES} + 1)::text, 2, '0')`;
const fidOf = (i: string) => `${province(i)} || '-' || lpad((${i})::text, 4, '0')`;

/** The whole national month, made by PostgreSQL itself (a client-side insert of 4 M rows would be the bench). */
async function generate(c: pg.Client, facilities: number, events: number, now: number): Promise<void> {
  await c.query(`INSERT INTO registry (fid, name, added_at, province)
    SELECT ${fidOf('i')}, 'Khu cách ly ' || i, $1, ${province('i')} FROM generate_series(1, $2) i`, [now - 40 * DAY_MS, facilities]);
  // 2 or 3 cameras each (7 in 10 facilities have 3: 5,400 cameras for 2,000 facilities); one in 50 is offline.
  await c.query(`INSERT INTO facilities (fid, session, status, birth, heartbeat, heartbeat_at, cameras, updated_at)
    SELECT fid, 1, 'online', NULL,
      jsonb_build_object('schema', 'qmon.hb/1', 'fid', fid, 'session', 1, 'ts', to_char(to_timestamp($1 / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'uptime_s', 86400, 'outbox', jsonb_build_object('pending', i % 7, 'sent', 0, 'oldest_age_s', (i % 7) * 30),
        'cameras', cams, 'disk_free_mb', 51234, 'clock', jsonb_build_object('synced', true, 'source', 'chrony'),
        'dashboard', jsonb_build_object('logins', 0, 'login_failed', 0, 'acks', 0, 'snoozes', 0, 'exports', 0, 'snapshot_views', 0, 'user_changes', 0),
        'uplink', jsonb_build_object('acked_unsent', 0, 'dropped', 0)),
      $1 - (i % 30) * 1000, statuses, $1
    FROM (SELECT i, fid,
            (SELECT jsonb_agg(jsonb_build_object('id', 'cam-' || k, 'state', CASE WHEN (i * 3 + k) % 50 = 0 THEN 'offline' ELSE 'online' END,
               'fps_in', 25, 'fps_detect', 5, 'last_frame_age_s', 0.1))
             FROM generate_series(1, CASE WHEN i % 10 < 7 THEN 3 ELSE 2 END) k) AS cams,
            (SELECT jsonb_agg(jsonb_build_object('schema', 'qmon.cam-status/1', 'fid', fid, 'session', 1, 'camera_id', 'cam-' || k,
               'state', CASE WHEN (i * 3 + k) % 50 = 0 THEN 'offline' ELSE 'online' END,
               'reason', CASE WHEN (i * 3 + k) % 50 = 0 THEN 'stall' END, 'since', '2026-01-01T08:29:15.123Z', 'ts', '2026-01-01T08:30:15.123Z'))
             FROM generate_series(1, CASE WHEN i % 10 < 7 THEN 3 ELSE 2 END) k) AS statuses
          FROM (SELECT i, ${fidOf('i')} AS fid FROM generate_series(1, $2) i) g) f`, [now, facilities]);
  for (let m = 0; m <= 2; m++) {
    const d = new Date(now - 31 * DAY_MS);
    await c.query('SELECT qmon_events_partition($1::date)', [new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + m, 1)).toISOString().slice(0, 10)]);
  }
  // In batches of a million: one statement per batch keeps PostgreSQL's memory flat.
  const batch = 1_000_000;
  for (let from = 1; from <= events; from += batch) {
    const to = Math.min(events, from + batch - 1);
    await c.query(`INSERT INTO events (fid, event_id, started_month, rev, seq, state, type, camera_id, replay, started_at, payload, received_at)
      SELECT fid, id, date_trunc('month', t AT TIME ZONE 'UTC')::date, 1, seq, 'ended', ty, cam, false, t,
        jsonb_build_object('schema', 'qmon.event/1', 'fid', fid, 'session', 1, 'seq', seq, 'event_id', id, 'rev', 1, 'state', 'ended',
          'type', ty, 'severity', CASE ty WHEN 'line_cross' THEN 'critical' WHEN 'mask' THEN 'info' ELSE 'warning' END,
          'camera_id', cam, 'people', 1, 'confidence', 0.87, 'started_at', ts, 'ended_at', ts, 'ts', ts,
          'clock', jsonb_build_object('synced', true, 'source', 'chrony'), 'replay', false,
          'rule', jsonb_build_object('id', cam || '-rule', 'version', 1), 'model', jsonb_build_object('name', 'centernet', 'version', '1'),
          'snapshot', jsonb_build_object('sha256', md5(id) || md5(id), 'bytes', 48213, 'w', 640, 'h', 480, 'redaction', 'faces-blurred'), 'context', NULL),
        (extract(epoch FROM t) * 1000)::bigint + 1000
      FROM (SELECT ${fidOf(`(g - 1) % ${facilities} + 1`)} AS fid, (g - 1) / ${facilities} + 1 AS seq, gen_random_uuid()::text AS id,
              t, to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts,
              (ARRAY['line_cross', 'zone_intrusion', 'gathering', 'distancing', 'loitering', 'mask'])[1 + g % 6] AS ty,
              'cam-' || (1 + g % 2) AS cam
            FROM (SELECT g, to_timestamp(($1 - ((g * 7919) % (30 * 86400)) * 1000.0) / 1000.0) AS t FROM generate_series($2::bigint, $3::bigint) g) s) e`,
      [now, from, to]);
  }
  await c.query('INSERT INTO deliveries (fid, seq, event_id, rev, replay, received_at) SELECT fid, seq, event_id, 1, false, received_at FROM events');
  await c.query('INSERT INTO seq_state (fid, first_seq, contiguous_upto) SELECT fid, 1, max(seq) FROM deliveries GROUP BY fid');
  // The rows went in beside the hub's ingest: the events were counted by their trigger, the rest of the per-facility
  // counters is filled here the way migration 9 fills it.
  await c.query(`INSERT INTO facility_counts AS fc (fid, deliveries, min_seq, max_seq, last_event_at)
    SELECT d.fid, d.n, d.min_seq, d.max_seq, e.last
    FROM (SELECT fid, count(*) AS n, min(seq) AS min_seq, max(seq) AS max_seq FROM deliveries GROUP BY fid) d
    JOIN (SELECT fid, max(received_at) AS last FROM events GROUP BY fid) e USING (fid)
    ON CONFLICT (fid) DO UPDATE SET deliveries = excluded.deliveries, min_seq = excluded.min_seq, max_seq = excluded.max_seq,
      last_event_at = excluded.last_event_at`);
  await c.query('ANALYZE');
}

async function timed(repeat: number, read: () => Promise<number>): Promise<{ p50_ms: number; p95_ms: number; max_ms: number; rows: number }> {
  const ms: number[] = [];
  let rows = 0;
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    rows = await read();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => Math.round(ms[Math.min(ms.length - 1, Math.ceil(ms.length * q) - 1)]! * 10) / 10;
  return { p50_ms: at(0.5), p95_ms: at(0.95), max_ms: at(1), rows };
}

export async function benchHubUi(): Promise<Row[]> {
  const facilities = envInt('HUB_UI_FACILITIES', 2_000, PROVINCES);
  const events = envInt('HUB_UI_EVENTS', 4_000_000, 1);
  const repeat = envInt('HUB_UI_REPEAT', 20, 3);
  const fanOut = { sessions: envInt('HUB_UI_SESSIONS', 50, 1), rate: envInt('HUB_UI_FANOUT_RATE', 50, 1), seconds: envInt('HUB_UI_FANOUT_S', 10, 1) };
  const host = { cpus: cpus().length, cpu: cpus()[0]?.model.trim() ?? 'unknown', node: process.version };
  const pgServer = await startPostgres({ durable: true });
  const rows: Row[] = [];
  let store: PgHubStore | null = null;
  const client = new pg.Client({ connectionString: pgServer.url });
  try {
    store = await PgHubStore.open(pgServer.url);
    await client.connect();
    const now = Date.now();
    const t0 = performance.now();
    await generate(client, facilities, events, now);
    const size = (await client.query<{ s: string }>("SELECT pg_size_pretty(pg_database_size(current_database())) AS s")).rows[0]?.s;
    rows.push({ scenario: 'hub-ui', kind: 'data', facilities, cameras: Math.round(facilities * 2.7), events, days: 30, generate_s: Math.round((performance.now() - t0) / 1000), database_size: size, host });
    const reader = store.reader;
    const someFid = `p07-${String(7).padStart(4, '0')}`;
    const day = new Date(now - 3 * DAY_MS);
    const dayStart = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate());
    // Reports cover whole days of Vietnam's time, as the reports route asks for them.
    const shift = REPORT_DAY_OFFSET_MIN * 60_000;
    const today = Math.floor((now + shift) / DAY_MS) * DAY_MS - shift;
    const days = (n: number) => ({ fromMs: today - (n - 1) * DAY_MS, toMs: today + DAY_MS, offsetMin: REPORT_DAY_OFFSET_MIN });
    const byDay = `SELECT event_id, type, camera_id, started_at FROM events WHERE fid = $1 AND started_at >= $2 AND started_at < $3 ORDER BY started_at DESC`;
    const byDayParams = [someFid, new Date(dayStart).toISOString(), new Date(dayStart + DAY_MS).toISOString()];
    const reads: [string, () => Promise<number>][] = [
      ['overview (every facility; national and province alike, scope applied to the rows)', async () => (await reader.summaries(Date.now(), 180_000)).length],
      ['alerts national, newest 100', async () => (await reader.recentEvents({}, 100)).length],
      ['alerts province p07, newest 100', async () => (await reader.recentEvents({ province: 'p07' }, 100)).length],
      ['alerts province p07, type gathering, newest 100', async () => (await reader.recentEvents({ province: 'p07', type: 'gathering' }, 100)).length],
      ['facility page alerts, newest 100', async () => (await reader.recentEvents({ fid: someFid }, 100)).length],
      ['events of one facility on one day', async () => (await client.query(byDay, byDayParams)).rowCount ?? 0],
      ['report national, 7 days', async () => (await reader.dailyCounts({}, days(7))).length],
      ['report province p07, 31 days', async () => (await reader.dailyCounts({ province: 'p07' }, days(31))).length],
      ['report national, 31 days', async () => (await reader.dailyCounts({}, days(31))).length],
    ];
    for (const [read, run] of reads) {
      const r = await timed(repeat, run);
      rows.push({ scenario: 'hub-ui', kind: 'read', read, ...r, repeat, events, host });
      process.stderr.write(`  hub-ui ${read}: p50 ${r.p50_ms} ms, p95 ${r.p95_ms} ms (${r.rows} rows)\n`);
    }
    const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) ${byDay}`, byDayParams)).rows.map((r) => r['QUERY PLAN']);
    rows.push({ scenario: 'hub-ui', kind: 'explain', read: 'events of one facility on one day', plan, host });
    const fan = await benchFanOut(pgServer.url, someFid, fanOut.sessions, fanOut.rate, fanOut.seconds);
    rows.push({ scenario: 'hub-ui', kind: 'fan-out', ...fan, note: 'commits by another store on the database (another hub process) → NOTIFY → LISTEN → SSE to each session; clients in the hub\'s process', host });
    process.stderr.write(`  hub-ui fan-out: ${fan.delivered}/${fan.expected} delivered, p50 ${fan.commit_to_stream_p50_ms} ms, p95 ${fan.commit_to_stream_p95_ms} ms\n`);
    rows.push({ scenario: 'hub-ui', kind: 'rss', bench_process_rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20), note: 'the bench process, which also ran the hub service of the fan-out (see its process_rss_mb_max)', host });
  } finally {
    await client.end().catch(() => undefined);
    await store?.close();
    await pgServer.stop();
  }
  return rows;
}
