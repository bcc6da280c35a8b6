// cmd/set-policy and command limits: runCommand with recorded actions, PolicyState on a real SQLite file,
// and the whole path (probe → embedded broker → Uplink → response, persisted across a restart).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { ManualClock } from '../../agent/shared/clock.js';
import { silentLogger } from '../../agent/ops/index.js';
import { Store, StoreFullError } from '../../agent/store/index.js';
import { EmbeddedBroker } from '../../hub/index.js';
import { POLICY_META_KEY, Uplink, realTimers, type Timers } from '../../agent/uplink/index.js';
import { responseBytes, runCommand, type CommandActions } from '../../agent/uplink/commands.js';
import { PolicyState } from '../../agent/uplink/policy.js';
import { TokenBucket } from '../../agent/shared/token-bucket.js';
import { MAX_COMMAND_BYTES, topics, type SetPolicyCommand } from '../../contract/index.js';
import { tempDir } from '../store/fixtures.js';
import { BIRTH, FID, probeClient, waitFor } from './harness.js';

const DEFAULTS = { replayRatePerS: 5, heartbeatS: 60, snapshotUpload: true };

function recordingActions() {
  const calls: SetPolicyCommand[] = [];
  const actions: CommandActions = {
    rebirth: () => undefined,
    resend: () => 0,
    setPolicy: (cmd) => {
      calls.push(cmd);
      return { replay_rate_per_s: cmd.replay_rate_per_s ?? 5 };
    },
    snapshot: () => Promise.resolve({ bytes: 0 }),
    rebase: () => ({ renumbered: 0 }),
  };
  return { calls, actions };
}

describe('runCommand: set-policy validation and size limit', () => {
  it('passes a valid set-policy to the action and returns the effective policy', async () => {
    const { calls, actions } = recordingActions();
    const out = await runCommand('set-policy', Buffer.from('{"id":"p-1","replay_rate_per_s":20}'), actions);
    expect(out).toEqual({ ok: true, id: 'p-1', error: null, result: { replay_rate_per_s: 20 } });
    expect(calls).toEqual([{ id: 'p-1', replay_rate_per_s: 20 }]);
  });

  it.each([
    ['{}', /at least one of/],
    ['{"replay_rate_per_s":0}', /replay_rate_per_s/],
    ['{"replay_rate_per_s":1001}', /replay_rate_per_s/],
    ['{"heartbeat_s":5}', /heartbeat_s/],
    ['{"snapshot_upload":"off"}', /snapshot_upload/],
    ['{"max_in_flight":64}', /max_in_flight/],
    ['[1,2]', /\(root\)/],
    ['not json', /not JSON/],
  ])('refuses %s with a reason and calls nothing', async (payload, reason) => {
    const { calls, actions } = recordingActions();
    const out = await runCommand('set-policy', Buffer.from(payload), actions);
    expect(out.ok).toBe(false);
    expect(out.error).toMatch(reason);
    expect(calls).toEqual([]);
  });

  it('refuses an oversized command of any name unread, without echoing an id', async () => {
    const { calls, actions } = recordingActions();
    const big = Buffer.from(JSON.stringify({ id: 'big', replay_rate_per_s: 1, pad: 'x'.repeat(MAX_COMMAND_BYTES) }));
    for (const name of ['set-policy', 'resend', 'nonsense']) {
      expect(await runCommand(name, big, actions)).toEqual({
        ok: false,
        id: null,
        error: `command payload is ${big.length} bytes; at most ${MAX_COMMAND_BYTES}`,
        result: null,
      });
    }
    expect(calls).toEqual([]);
  });

  it('turns an action that throws (disk full while persisting) into an error response', async () => {
    const out = await runCommand('set-policy', Buffer.from('{"heartbeat_s":30}'), {
      rebirth: () => undefined,
      resend: () => 0,
      setPolicy: () => {
        throw new Error('the store is full');
      },
      snapshot: () => Promise.resolve({ bytes: 0 }),
      rebase: () => ({ renumbered: 0 }),
    });
    expect(out).toMatchObject({ ok: false, error: 'command set-policy failed: the store is full' });
  });
});

describe('PolicyState', () => {
  let tmp: { dir: string; cleanup: () => void };
  let store: Store;
  beforeEach(() => {
    tmp = tempDir('policy');
    store = Store.open({ dir: tmp.dir, clock: new ManualClock(), logger: silentLogger() });
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  it('overrides the config defaults key by key, persists them, and reset drops them', () => {
    const p = new PolicyState(store, DEFAULTS, silentLogger());
    expect(p.get()).toEqual(DEFAULTS);
    expect(p.set({ replay_rate_per_s: 20 })).toEqual({ ...DEFAULTS, replayRatePerS: 20 });
    expect(p.set({ snapshot_upload: false })).toEqual({ replayRatePerS: 20, heartbeatS: 60, snapshotUpload: false });
    // A new agent process with different config defaults: the hub's overrides still win.
    const again = new PolicyState(store, { ...DEFAULTS, heartbeatS: 120, replayRatePerS: 2 }, silentLogger());
    expect(again.get()).toEqual({ replayRatePerS: 20, heartbeatS: 120, snapshotUpload: false });
    expect(again.set({ reset: true, heartbeat_s: 30 })).toEqual({ replayRatePerS: 2, heartbeatS: 30, snapshotUpload: true });
    expect(JSON.parse(store.meta(POLICY_META_KEY)!)).toEqual({ heartbeat_s: 30 });
  });

  it('ignores a stored policy it cannot read and falls back to the config', () => {
    store.setMeta(POLICY_META_KEY, '{"heartbeat_s":"soon"}');
    expect(new PolicyState(store, DEFAULTS, silentLogger()).get()).toEqual(DEFAULTS);
    store.setMeta(POLICY_META_KEY, 'garbage');
    expect(new PolicyState(store, DEFAULTS, silentLogger()).get()).toEqual(DEFAULTS);
  });

  it('keeps the old policy when the new one cannot be persisted (store full)', () => {
    const p = new PolicyState(store, DEFAULTS, silentLogger());
    p.set({ heartbeat_s: 30 });
    const full = new PolicyState(
      {
        meta: (k) => store.meta(k),
        setMeta: () => {
          throw new StoreFullError(store.file, 'meta hub_policy');
        },
      },
      DEFAULTS,
      silentLogger(),
    );
    expect(() => full.set({ heartbeat_s: 90 })).toThrow(StoreFullError);
    expect(full.get()).toEqual({ ...DEFAULTS, heartbeatS: 30 });
  });
});

describe('TokenBucket.setRate', () => {
  it('applies a new rate from now on and caps earned tokens at the new capacity', () => {
    const clock = new ManualClock();
    const b = new TokenBucket(10, clock);
    for (let i = 0; i < 10; i++) expect(b.take()).toBe(true);
    expect(b.take()).toBe(false);
    b.setRate(2);
    expect(b.msUntilToken()).toBe(500);
    clock.advance(10_000);
    expect([b.take(), b.take(), b.take()]).toEqual([true, true, false]);
    expect(() => b.setRate(0)).toThrow(/> 0/);
  });
});

describe('set-policy over MQTT', () => {
  let broker: EmbeddedBroker;
  let tmp: { dir: string; cleanup: () => void };
  let probe: MqttClient;
  beforeEach(async () => {
    broker = new EmbeddedBroker();
    await broker.start();
    tmp = tempDir('policy-mqtt');
    probe = await probeClient(broker.url);
  });
  afterEach(async () => {
    await probe.endAsync();
    await broker.stop();
    tmp.cleanup();
  });

  it('answers, applies the heartbeat interval at once, and keeps the policy across an agent restart', async () => {
    const delays: number[] = [];
    const timers: Timers = {
      setTimeout: (fn, ms) => (delays.push(ms), realTimers.setTimeout(fn, ms)),
      clearTimeout: (handle) => realTimers.clearTimeout(handle),
    };
    const start = () => {
      const store = Store.open({ dir: tmp.dir, clock: new ManualClock(0, Date.UTC(2026, 0, 1)), logger: silentLogger() });
      const uplink = new Uplink({
        fid: FID,
        url: broker.url,
        store,
        clock: new ManualClock(0, Date.UTC(2026, 0, 1)),
        logger: silentLogger(),
        birth: () => BIRTH,
        heartbeatS: 60,
        replayRatePerS: 5,
        backoff: { baseMs: 50, capMs: 200 },
        timers,
      });
      const up = new Promise<void>((r) => uplink.once('connected', () => r()));
      uplink.start();
      return { store, uplink, up };
    };
    const responses: Record<string, unknown>[] = [];
    probe.on('message', (_t, p) => responses.push(JSON.parse(p.toString()) as Record<string, unknown>));
    await probe.subscribeAsync(topics.res(FID), { qos: 1 });

    let a = start();
    await a.up;
    const policies: unknown[] = [];
    a.uplink.on('policy', (p) => policies.push(p));
    await probe.publishAsync(topics.cmd(FID, 'set-policy'), JSON.stringify({ id: 'p1', heartbeat_s: 15, replay_rate_per_s: 50 }), { qos: 1 });
    await probe.publishAsync(topics.cmd(FID, 'set-policy'), JSON.stringify({ id: 'p2', heartbeat_s: 'often' }), { qos: 1 });
    await probe.publishAsync(topics.cmd(FID, 'set-policy'), Buffer.alloc(MAX_COMMAND_BYTES + 1, 32), { qos: 1 });
    await waitFor(() => expect(responses).toHaveLength(3));
    expect(responses[0]).toMatchObject({
      cmd: 'set-policy',
      id: 'p1',
      ok: true,
      result: { heartbeat_s: 15, replay_rate_per_s: 50, snapshot_upload: true },
    });
    expect(responses[1]).toMatchObject({ id: 'p2', ok: false });
    expect(String(responses[1]?.error)).toMatch(/heartbeat_s/);
    expect(responses[2]).toMatchObject({ id: null, ok: false, error: `command payload is ${MAX_COMMAND_BYTES + 1} bytes; at most ${MAX_COMMAND_BYTES}` });
    expect(policies).toEqual([{ heartbeatS: 15, replayRatePerS: 50, snapshotUpload: true }]);
    expect(delays).toContain(15_000); // the next heartbeat is scheduled with the new interval
    await a.uplink.stop();
    a.store.close();

    a = start();
    expect(a.uplink.policy()).toEqual({ heartbeatS: 15, replayRatePerS: 50, snapshotUpload: true });
    await a.up;
    await a.uplink.stop();
    a.store.close();
  });
});

describe('responseBytes', () => {
  it('answers with a bare error, and reports it, when a result would break the response schema', () => {
    const reported: string[] = [];
    const bytes = responseBytes(FID, 'snapshot', { ok: true, id: 'q1', error: null, result: { 'Not A Key': 1 } }, Date.UTC(2026, 0, 1), (e) =>
      reported.push(e),
    );
    expect(JSON.parse(bytes.toString())).toMatchObject({ cmd: 'snapshot', id: 'q1', ok: false, error: 'the agent could not encode its response', result: null });
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatch(/result/);
  });

  it('passes a valid outcome through unchanged', () => {
    const bytes = responseBytes(FID, 'snapshot', { ok: true, id: null, error: null, result: { bytes: 12, sha256: 'ab' } }, 0, () => {
      throw new Error('not invalid');
    });
    expect(JSON.parse(bytes.toString())).toMatchObject({ ok: true, result: { bytes: 12, sha256: 'ab' } });
  });
});
