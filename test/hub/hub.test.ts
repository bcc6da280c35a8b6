// ReferenceHub against a probe client playing the agent, over the real EmbeddedBroker.
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../agent/shared/clock.js';
import { silentLogger } from '../../agent/ops/index.js';
import { EmbeddedBroker, ReferenceHub } from '../../hub/index.js';
import { buildHeartbeat, buildStatus, encodeEvent, topics } from '../../contract/index.js';
import type { Violation } from '../../agent/shared/types.js';
import { tempDir, violation } from '../store/fixtures.js';
import { FID, probeClient, waitFor } from '../uplink/harness.js';

const GRACE = 120_000;
let broker: EmbeddedBroker;
let url: string;
let clock: ManualClock;
let hub: ReferenceHub;
let agent: MqttClient;
let received: { topic: string; body: Record<string, unknown> }[];
let invalid: string[];
let tmp: { dir: string; cleanup: () => void };

const evt = (v: Violation, seq: number, fid = FID) =>
  encodeEvent(v, { fid, session: 1, seq, replay: false, clock: { synced: true, source: 'chrony' } });
const send = (topic: string, payload: Buffer | string) => agent.publishAsync(topic, payload, { qos: 1 });
const acks = () => received.filter((m) => m.topic === topics.ack(FID)).flatMap((m) => m.body.seqs as number[]);

beforeEach(async () => {
  broker = new EmbeddedBroker();
  ({ url } = await broker.start());
  clock = new ManualClock(0, Date.UTC(2026, 0, 1));
  tmp = tempDir('hub');
  hub = new ReferenceHub({ url, dbFile: `${tmp.dir}/hub.db`, clock, logger: silentLogger(), reconnectMs: 50, gapGraceMs: GRACE, facilities: [FID, 'other-01'] });
  invalid = [];
  hub.on('invalid', (i) => invalid.push(i.error));
  await hub.start();
  agent = await probeClient(url);
  received = [];
  agent.on('message', (topic, payload) => {
    const body = JSON.parse(payload.toString()) as Record<string, unknown>;
    // The ACK must come after the hub's commit: at arrival, the hub's DB already has every acked seq.
    if (topic === topics.ack(FID)) {
      const stored = new Set(hub.deliveredSeqs(FID));
      for (const s of body.seqs as number[]) expect(stored.has(s)).toBe(true);
    }
    received.push({ topic, body });
  });
  await agent.subscribeAsync([topics.ack(FID), topics.cmdFilter(FID), topics.ack('other-01')], { qos: 1 });
});

afterEach(async () => {
  await agent.endAsync();
  await hub.stop();
  await broker.stop();
  tmp.cleanup();
});

describe('ReferenceHub', () => {
  it('stores, then ACKs by seq; rejects invalid payloads without ACKing them', async () => {
    const events: unknown[] = [];
    hub.on('event', (e) => events.push(e));
    await send(topics.evt(FID), '{"schema":"qmon.event/1"'); // not JSON
    await send(topics.evt(FID), JSON.stringify({ ...JSON.parse(evt(violation(1), 7).toString()), confidence: 3 }));
    await send(topics.evt('other-01'), evt(violation(2), 8)); // fid in payload ≠ topic: one agent posing as another
    await send(topics.evt(FID), evt(violation(3), 1));
    await waitFor(() => expect(acks()).toEqual([1]));
    expect(hub.stats()).toEqual({ received: 1, duplicates: 0, invalid: 3, acked: 1, snapshots: 0, storeErrors: 0, dropped: {} });
    // One facility's messages are handled in order; different facilities' in parallel (any order between them).
    expect(invalid).toHaveLength(3);
    expect(invalid.filter((m) => /not JSON/.test(m))).toHaveLength(1);
    expect(invalid.filter((m) => /confidence/.test(m))).toHaveLength(1);
    expect(invalid.filter((m) => /does not match topic/.test(m))).toHaveLength(1);
    expect(received.filter((m) => m.topic === topics.ack('other-01'))).toEqual([]);
    expect(events).toHaveLength(1);
    expect(hub.events(FID)).toHaveLength(1);
    expect(hub.events('other-01')).toHaveLength(0);
  });

  it('on MQTT 3.1.1 (aedes: no maximumPacketSize) still drops oversized and unregistered messages before parsing', async () => {
    await send(topics.evt(FID), Buffer.from('['.repeat(100_000) + ']'.repeat(100_000))); // 200 KB > the 16 KiB evt limit
    await send(topics.evt(FID), Buffer.from(`{"a":${'['.repeat(20)}${']'.repeat(20)}}`)); // small, nested 21 deep
    await send(topics.evt('zz-0001'), evt(violation(9), 1, 'zz-0001'));
    await send(topics.status('zz-0001'), buildStatus('zz-0001', 'online', 1, clock.wall()));
    await send(topics.evt(FID), evt(violation(1), 1));
    await waitFor(() => expect(acks()).toEqual([1]));
    expect(hub.stats()).toMatchObject({ invalid: 0, received: 1, dropped: { oversized: 2, unregistered: 2 } });
    expect(hub.facilities().map((f) => f.fid)).not.toContain('zz-0001');
    expect((await hub.summaries()).map((f) => f.fid)).not.toContain('zz-0001');
  });

  it('de-duplicates resends, ACKs them again, and keeps the highest rev of an event', async () => {
    const v = violation(1);
    await send(topics.evt(FID), evt({ ...v, rev: 2, state: 'end' }, 2));
    await send(topics.evt(FID), evt(v, 1)); // the older revision arrives late (backlog lane)
    await send(topics.evt(FID), evt({ ...v, rev: 2, state: 'end' }, 2)); // a resend after a lost ACK
    await waitFor(() => expect(acks().sort()).toEqual([1, 2, 2]));
    expect(hub.stats()).toEqual({ received: 3, duplicates: 1, invalid: 0, acked: 3, snapshots: 0, storeErrors: 0, dropped: {} });
    const rows = hub.events(FID);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ eventId: v.eventId, rev: 2, state: 'end', seq: 2 });
    expect(hub.deliveredSeqs(FID)).toEqual([1, 2]);
  });

  it('asks for missing seqs with cmd/resend after the grace period, not before, not twice at once', async () => {
    await send(topics.evt(FID), evt(violation(1), 1));
    await send(topics.evt(FID), evt(violation(4), 4));
    await send(topics.evt(FID), evt(violation(7), 7));
    await waitFor(() => expect(hub.facilities()[0]?.missingSeqs).toEqual([2, 3, 5, 6]));
    expect(await hub.checkGaps()).toEqual([]);
    clock.advance(GRACE);
    expect(await hub.checkGaps()).toEqual([
      { fid: FID, from: 2, to: 3 },
      { fid: FID, from: 5, to: 6 },
    ]);
    expect(await hub.checkGaps()).toEqual([]);
    await waitFor(() => expect(received.filter((m) => m.topic === topics.cmd(FID, 'resend'))).toHaveLength(2));
    expect(received.find((m) => m.topic === topics.cmd(FID, 'resend'))?.body).toMatchObject({ from_seq: 2, to_seq: 3 });

    await send(topics.evt(FID), evt(violation(2), 2));
    await waitFor(() => expect(hub.facilities()[0]?.missingSeqs).toEqual([3, 5, 6]));
    // While the agent reports rows still pending, a gap is expected (its backlog is draining).
    const hb = buildHeartbeat({
      fid: FID,
      session: 1,
      wall: clock.wall(),
      uptimeS: 1,
      outbox: { pending: 3, sent: 0, oldestPendingAt: clock.wall() },
      cameras: [],
      diskFreeMb: null,
      clock: { synced: true, source: 'chrony' },
    });
    await send(topics.hb(FID), hb);
    await waitFor(() => expect(hub.facilities()[0]?.lastHeartbeat?.outbox.pending).toBe(3));
    clock.advance(GRACE);
    expect(await hub.checkGaps()).toEqual([]);
  });

  it('ignores a status from an older session (a late Will) and marks heartbeats stale after 180 s', async () => {
    await send(topics.status(FID), buildStatus(FID, 'online', 5, clock.wall()));
    await waitFor(() => expect(hub.facilities()[0]).toMatchObject({ status: 'online', session: 5 }));
    await send(topics.status(FID), buildStatus(FID, 'offline', 4, clock.wall()));
    await send(topics.hb(FID), '{"schema":"qmon.hb/1"}');
    await waitFor(() => expect(hub.stats().invalid).toBe(1));
    expect(hub.facilities()[0]).toMatchObject({ status: 'online', session: 5, heartbeatStale: true });

    const hb = buildHeartbeat({
      fid: FID,
      session: 5,
      wall: clock.wall(),
      uptimeS: 1,
      outbox: { pending: 0, sent: 0, oldestPendingAt: null },
      cameras: [],
      diskFreeMb: 100,
      clock: { synced: false, source: 'unknown' },
    });
    await send(topics.hb(FID), hb);
    await waitFor(() => expect(hub.facilities()[0]?.heartbeatStale).toBe(false));
    clock.advance(180_000);
    expect(hub.facilities()[0]?.heartbeatStale).toBe(false);
    clock.advance(1);
    expect(hub.facilities()[0]?.heartbeatStale).toBe(true);

    await send(topics.status(FID), buildStatus(FID, 'offline', 5, clock.wall()));
    await waitFor(() => expect(hub.facilities()[0]?.status).toBe('offline'));
  });

  it('keeps its events in its own SQLite file across a restart and resumes gap tracking', async () => {
    await send(topics.evt(FID), evt(violation(1), 1));
    await send(topics.evt(FID), evt(violation(2), 2));
    await waitFor(() => expect(acks()).toHaveLength(2));
    await hub.stop();
    hub = new ReferenceHub({ url, dbFile: `${tmp.dir}/hub.db`, clock, logger: silentLogger(), reconnectMs: 50, gapGraceMs: GRACE });
    await hub.start();
    expect(hub.events(FID).map((e) => e.seq)).toEqual([1, 2]);
    await send(topics.evt(FID), evt(violation(5), 5));
    await waitFor(() => expect(hub.facilities()[0]?.missingSeqs).toEqual([3, 4]));
  });
});
