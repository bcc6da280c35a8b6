import type pg from 'pg';
import type { EventPayload } from '../contract/index.js';
import type { EpochMs } from '../agent/shared/types.js';
import type { IngestResult } from './hub-db.js';

/**
 * The deliveries a batch names that the hub already holds: a duplicate (the same revision again: ACK it again) or
 * a reused seq (another revision: the agent's store went back).
 */
const PRIOR = `SELECT d.fid, d.seq, d.event_id, d.rev FROM unnest($1::text[], $2::bigint[]) AS i(fid, seq) JOIN deliveries d USING (fid, seq)`;

/**
 * A whole batch of new deliveries in ONE statement (arrays, `unnest`): the `deliveries` rows, each event upserted at
 * the highest `rev` of the batch keeping the highest `rev` stored, `seq_state` on a facility's first delivery, and the
 * facility's counters (`facility_counts`: what the overview shows, without counting every row).
 * One round trip and one plan for up to MAX_BATCH events, where a statement per event made the hub spend most of
 * its time in `writev` and waiting for PostgreSQL. Returns the delivered (fid, seq) and the (fid, event_id, rev) now
 * stored; a (fid, seq) a concurrent process inserted first is not returned (a duplicate).
 */
const INGEST_MANY = `
  WITH i AS (
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::int[], $5::boolean[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[], $11::text[])
      AS t(fid, seq, event_id, rev, replay, state, type, camera_id, payload, received_at, started_at)
  ), d AS (
    INSERT INTO deliveries (fid, seq, event_id, rev, replay, received_at)
    SELECT fid, seq, event_id, rev, replay, received_at FROM i
    ON CONFLICT DO NOTHING RETURNING fid, seq
  ), top AS (
    SELECT DISTINCT ON (fid, event_id) * FROM i ORDER BY fid, event_id, rev DESC
  ), e AS (
    INSERT INTO events (fid, event_id, started_month, rev, seq, state, type, camera_id, replay, started_at, payload, received_at)
    SELECT fid, event_id, date_trunc('month', started_at::timestamptz AT TIME ZONE 'UTC')::date, rev, seq, state, type, camera_id,
           replay, started_at::timestamptz, payload::jsonb, received_at FROM top
    ON CONFLICT (fid, event_id, started_month) DO UPDATE SET
      rev = excluded.rev, seq = excluded.seq, state = excluded.state, type = excluded.type, camera_id = excluded.camera_id,
      replay = excluded.replay, payload = excluded.payload, received_at = excluded.received_at
    WHERE excluded.rev > events.rev
    RETURNING fid, event_id, rev, received_at
  ), n AS (
    SELECT i.fid, count(*) AS deliveries, min(i.seq) AS min_seq, max(i.seq) AS max_seq, NULL::bigint AS last_event_at
    FROM i JOIN d USING (fid, seq) GROUP BY i.fid
    UNION ALL
    SELECT fid, 0, NULL, NULL, max(received_at) FROM e GROUP BY fid
  ), c AS (
    -- One row per facility, locked in fid order (two hub processes committing batches of the same facilities never
    -- wait on each other in opposite orders). New events are counted by the trigger of migration 9 (only it knows
    -- an insert from an update).
    INSERT INTO facility_counts AS fc (fid, deliveries, min_seq, max_seq, last_event_at)
    SELECT fid, sum(deliveries), min(min_seq), max(max_seq), max(last_event_at) FROM n GROUP BY fid ORDER BY fid
    ON CONFLICT (fid) DO UPDATE SET
      deliveries = fc.deliveries + excluded.deliveries,
      min_seq = least(fc.min_seq, excluded.min_seq), max_seq = greatest(fc.max_seq, excluded.max_seq),
      last_event_at = greatest(fc.last_event_at, excluded.last_event_at)
  ), s AS (
    INSERT INTO seq_state (fid, first_seq, contiguous_upto)
    SELECT DISTINCT ON (fid) fid, seq, seq FROM i ORDER BY fid, seq
    ON CONFLICT (fid) DO NOTHING
  )
  SELECT 'd' AS k, fid, seq, NULL AS event_id, NULL::int AS rev FROM d
  UNION ALL SELECT 'e', fid, NULL, event_id, rev FROM e`;

/**
 * One batch of events on one transaction's connection: which deliveries exist already (duplicates, reused seqs),
 * then every new one in ONE statement. Results in the batch's order. Within a batch the first of two events with
 * the same (fid, seq) wins; a later one is a duplicate when it is the same revision, a reused seq otherwise.
 */
export async function ingestBatch(c: pg.PoolClient, batch: readonly { e: EventPayload; at: EpochMs }[]): Promise<IngestResult[]> {
  const key = (fid: string, seq: number) => `${fid}\u0000${seq}`;
  const prior = new Map<string, { event_id: string; rev: number }>();
  const priorRows = await c.query<{ fid: string; seq: number; event_id: string; rev: number }>(PRIOR, [batch.map((b) => b.e.fid), batch.map((b) => b.e.seq)]);
  for (const r of priorRows.rows) prior.set(key(r.fid, r.seq), r);
  const results: (IngestResult | null)[] = [];
  const fresh: EventPayload[] = [];
  const at: EpochMs[] = [];
  for (const { e, at: receivedAt } of batch) {
    const k = key(e.fid, e.seq);
    const p = prior.get(k);
    if (p) {
      results.push(p.event_id === e.event_id && p.rev === e.rev ? { duplicate: true, latest: false } : { duplicate: false, latest: false, reused: true });
      continue;
    }
    prior.set(k, { event_id: e.event_id, rev: e.rev }); // a second one of this (fid, seq) in the batch is judged against this one
    results.push(null);
    fresh.push(e);
    at.push(receivedAt);
  }
  if (fresh.length === 0) return results as IngestResult[];
  const col = <T>(f: (e: EventPayload, i: number) => T) => fresh.map(f);
  const r = await c.query<{ k: 'd' | 'e'; fid: string; seq: number | null; event_id: string | null; rev: number | null }>(INGEST_MANY, [
    col((e) => e.fid), col((e) => e.seq), col((e) => e.event_id), col((e) => e.rev), col((e) => e.replay), col((e) => e.state),
    col((e) => e.type), col((e) => e.camera_id), col((e) => JSON.stringify(e)), col((_e, i) => at[i]), col((e) => e.started_at),
  ]);
  const delivered = new Set<string>();
  const stored = new Set<string>();
  for (const row of r.rows) {
    if (row.k === 'd') delivered.add(key(row.fid, row.seq!));
    else stored.add(`${row.fid}\u0000${row.event_id!}\u0000${row.rev!}`);
  }
  let j = 0;
  return results.map((res) => {
    if (res !== null) return res;
    const e = fresh[j++]!;
    return { duplicate: !delivered.has(key(e.fid, e.seq)), latest: stored.has(`${e.fid}\u0000${e.event_id}\u0000${e.rev}`) };
  });
}
