/** The heartbeat's optional dashboard and uplink counters: counts per interval, no personal data. */
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dashboardCounts } from '../../agent/app/dashboard.js';
import { HeartbeatPayload } from '../../contract/index.js';
import { silentLogger } from '../../agent/ops/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import { Store } from '../../agent/store/index.js';
import { Announcer } from '../../agent/uplink/announce.js';
import { tempDir } from '../decode/media.js';
import { BIRTH, FID } from './identity.js';

let tmp: { dir: string; cleanup: () => void };
let store: Store;
let clock: ManualClock;
const sent: Record<string, unknown>[] = [];
const client = { connected: true, publish: (_t: string, p: Buffer) => void sent.push(JSON.parse(p.toString()) as Record<string, unknown>) } as unknown as MqttClient;

beforeEach(() => {
  tmp = tempDir('announce');
  clock = new ManualClock(0, Date.UTC(2026, 5, 1, 8));
  store = Store.open({ dir: tmp.dir, clock, logger: silentLogger() });
  sent.length = 0;
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

function audit(action: string, user = 'nguyen.van.a', target: string | null = 'room-12'): void {
  store.dashboard('test', (q) => q.audit({ at: clock.wall(), user, action, target, detail: { note: 'private' }, ip: '10.0.0.5' }), true);
}

describe('heartbeat dashboard counts', () => {
  it('counts each kind of dashboard activity since the previous heartbeat, and nothing personal', () => {
    let ackedUnsent = 0;
    const a = new Announcer({
      fid: FID,
      store,
      clock,
      birth: () => BIRTH,
      dashboardCounts: (since) => dashboardCounts(store, since),
      uplinkCounters: () => ({ ackedUnsent, dropped: 4 }),
    });
    clock.advance(1_000);
    audit('login');
    audit('login_failed');
    audit('login_locked');
    audit('ack');
    audit('ack');
    audit('snapshot_view');
    audit('export');
    audit('snooze');
    audit('user_change');
    audit('logout');
    a.heartbeat(client, 1);
    clock.advance(60_000);
    audit('ack');
    ackedUnsent = 3;
    a.heartbeat(client, 1);
    clock.advance(60_000);
    a.heartbeat(client, 1);

    for (const hb of sent) expect(HeartbeatPayload.safeParse(hb).success).toBe(true);
    expect(sent.map((hb) => hb.dashboard)).toEqual([
      { logins: 1, login_failed: 2, acks: 2, snoozes: 1, exports: 1, snapshot_views: 1, user_changes: 1 },
      { logins: 0, login_failed: 0, acks: 1, snoozes: 0, exports: 0, snapshot_views: 0, user_changes: 0 },
      { logins: 0, login_failed: 0, acks: 0, snoozes: 0, exports: 0, snapshot_views: 0, user_changes: 0 },
    ]);
    expect(sent.map((hb) => hb.uplink)).toEqual([
      { acked_unsent: 0, dropped: 4 },
      { acked_unsent: 3, dropped: 4 },
      { acked_unsent: 3, dropped: 4 },
    ]);
    const text = JSON.stringify(sent);
    for (const secret of ['nguyen', 'room-12', 'private', '10.0.0.5']) expect(text).not.toContain(secret);
  });

  it('an entry at the very millisecond of a heartbeat is counted once', () => {
    const a = new Announcer({ fid: FID, store, clock, birth: () => BIRTH, dashboardCounts: (since) => dashboardCounts(store, since) });
    audit('ack');
    a.heartbeat(client, 1);
    a.heartbeat(client, 1);
    expect(sent.map((hb) => (hb.dashboard as { acks: number }).acks)).toEqual([1, 0]);
  });

  it('without the sources the heartbeat has neither field (older hubs see what they always did)', () => {
    new Announcer({ fid: FID, store, clock, birth: () => BIRTH }).heartbeat(client, 1);
    expect(sent[0]).not.toHaveProperty('dashboard');
    expect(sent[0]).not.toHaveProperty('uplink');
  });
});

describe('message numbers (freshness)', () => {
  it('numbers every liveness message of a session 1, 2, 3 …, the Will 0, and starts again in a new session', () => {
    const a = new Announcer({ fid: FID, store, clock, birth: () => BIRTH });
    const will = JSON.parse(a.statusPayload('offline', 7, true).toString()) as { n: number };
    a.camera(null, 7, 'corridor-a', { state: 'online', since: clock.wall() });
    a.announceOnline(client, 7); // birth, status, the camera
    a.heartbeat(client, 7);
    a.heartbeat(client, 7);
    expect(will.n).toBe(0);
    expect(sent.map((m) => [m.schema, m.n])).toEqual([
      ['qmon.birth/1', 1],
      ['qmon.status/1', 2],
      ['qmon.cam-status/1', 3],
      ['qmon.hb/1', 4],
      ['qmon.hb/1', 5],
    ]);
    sent.length = 0;
    a.announceOnline(client, 8);
    expect(sent.map((m) => [m.schema, m.session, m.n])).toEqual([
      ['qmon.birth/1', 8, 1],
      ['qmon.status/1', 8, 2],
      ['qmon.cam-status/1', 8, 3],
    ]);
  });
});
