// The agent's defences against one hostile message, unit by unit: byte/depth limits before parse, retained
// cmd/ack ignored, drops counted and logged once per burst, the replay-rate floor (also for a policy persisted
// by an older agent), and timers that never exceed Node's 2^31 ms limit. The same attacks over real mosquitto
// are in test/e2e/red-team.test.ts.
import { describe, expect, it } from 'vitest';
import { INBOUND_LIMITS, MAX_JSON_DEPTH, MAX_TIMER_MS, MIN_REPLAY_RATE_PER_S, generateSigningKey, inboundProblem, trustedKeys } from '../../contract/index.js';
import { createLogger, silentLogger } from '../../agent/ops/index.js';
import { DROP_LOG_QUIET_MS, DropLog } from '../../agent/shared/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import { clampTimerMs, clampedTimers } from '../../agent/uplink/clamp-timers.js';
import { routeMessage, type HubKeys, type InboxDrop, type InboxHandlers } from '../../agent/uplink/inbox.js';
import { POLICY_META_KEY, PolicyRefused, PolicyState } from '../../agent/uplink/policy.js';
import { TokenBucket } from '../../agent/shared/token-bucket.js';
import { topics } from '../../contract/index.js';
import { FakeTimers } from './fake-timers.js';
import { FID } from './identity.js';

const nested = (depth: number) => Buffer.from('['.repeat(depth) + ']'.repeat(depth));

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } });
  return { logger, lines };
}

describe('inboundProblem: the check before any JSON.parse', () => {
  it('refuses a payload over its topic’s byte limit, naming both sizes', () => {
    expect(inboundProblem('evt', Buffer.alloc(INBOUND_LIMITS.evt, 0x20))).toBeNull();
    expect(inboundProblem('evt', Buffer.alloc(INBOUND_LIMITS.evt + 1, 0x20))).toBe(`evt payload is ${INBOUND_LIMITS.evt + 1} bytes; at most ${INBOUND_LIMITS.evt}`);
    expect(inboundProblem('ack', Buffer.alloc(10 * 1024 * 1024))).toMatch(/^ack payload is 10485760 bytes; at most 24576$/);
    expect(inboundProblem('cmd', Buffer.alloc(4097))).toMatch(/at most 4096/);
  });

  it('refuses JSON nested deeper than MAX_JSON_DEPTH, but not brackets inside strings', () => {
    expect(inboundProblem('birth', nested(MAX_JSON_DEPTH))).toBeNull();
    expect(inboundProblem('birth', nested(MAX_JSON_DEPTH + 1))).toMatch(/nests deeper than 16/);
    expect(inboundProblem('evt', Buffer.from(JSON.stringify({ a: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[', b: '\\"[[[[[[[[[[[[[[[[[[[[[[' })))).toBeNull();
    expect(inboundProblem('snap', nested(100))).toBeNull(); // raw JPEG bytes: never parsed, only sized
  });

  it('every conforming ack fits: 1000 seqs of 16 digits', () => {
    const seqs = Array.from({ length: 1000 }, (_, i) => 9_007_199_254_740_000 - i);
    expect(inboundProblem('ack', Buffer.from(JSON.stringify({ schema: 'qmon.ack/1', seqs })))).toBeNull();
  });
});

describe('routeMessage: size, retain flag and topic before any handler', () => {
  function route(topic: string, payload: Buffer, retain = false, hubKeys: HubKeys = null) {
    const calls: string[] = [];
    const handlers: InboxHandlers = {
      hubState: (s) => calls.push(`state ${s.online}`),
      ack: (seqs) => calls.push(`ack ${seqs.join(',')}`),
      command: (name, body) => calls.push(`cmd ${name} ${body.length}`),
    };
    const drops = new DropLog<InboxDrop>(new ManualClock(), silentLogger(), 'uplink');
    routeMessage(FID, topic, payload, { retain }, handlers, drops, hubKeys);
    return { calls, dropped: drops.snapshot() };
  }
  const ack = Buffer.from('{"schema":"qmon.ack/1","seqs":[1,2]}');

  it('hands a small, live ack to the relay', () => {
    expect(route(topics.ack(FID), ack)).toEqual({ calls: ['ack 1,2'], dropped: {} });
  });

  it('drops a 10 MB ack unread (no parse, no handler) and counts it', () => {
    expect(route(topics.ack(FID), nested(5 * 1024 * 1024))).toEqual({ calls: [], dropped: { oversized: 1 } });
  });

  it('never applies a retained ack or runs a retained command; a retained hub/state is what it is for', () => {
    expect(route(topics.ack(FID), ack, true)).toEqual({ calls: [], dropped: { retained_ack: 1 } });
    expect(route(topics.cmd(FID, 'set-policy'), Buffer.from('{"snapshot_upload":false}'), true)).toEqual({ calls: [], dropped: { retained_cmd: 1 } });
    const state = Buffer.from(JSON.stringify({ online: true, accepting: true, ts: '2026-01-01T00:00:00.000Z' }));
    expect(route(topics.hubState, state, true)).toEqual({ calls: ['state true'], dropped: {} });
  });

  it('an oversized live command is counted and still answered (by size alone); a retained one is not', () => {
    expect(route(topics.cmd(FID, 'resend'), Buffer.alloc(5000, 0x5b))).toEqual({ calls: ['cmd resend 5000'], dropped: { oversized: 1 } });
    expect(route(topics.cmd(FID, 'resend'), Buffer.alloc(5000, 0x5b), true)).toEqual({ calls: [], dropped: { oversized: 1 } });
  });

  it('with a pinned hub key an oversized command gets no answer: unread, its signature cannot be checked (docs/hub-contract.md)', () => {
    const pinned = trustedKeys([generateSigningKey().publicKey]);
    expect(route(topics.cmd(FID, 'resend'), Buffer.alloc(5000, 0x5b), false, pinned)).toEqual({ calls: [], dropped: { oversized: 1 } });
  });

  it('drops messages for another facility and malformed ones, counted by reason', () => {
    expect(route(topics.ack('other-01'), ack)).toEqual({ calls: [], dropped: { foreign_topic: 1 } });
    expect(route(topics.ack(FID), Buffer.from('{"seqs":"all"}'))).toEqual({ calls: [], dropped: { malformed: 1 } });
  });
});

describe('DropLog: counts every drop, logs once per burst, never the payload', () => {
  it('logs the first drop, only counts the rest for a minute, then says how many were suppressed', () => {
    const clock = new ManualClock();
    const { logger, lines } = capturingLogger();
    const drops = new DropLog<'oversized'>(clock, logger, 'hub');
    for (let i = 0; i < 50; i++) drops.drop('oversized', { topic: 'qmon/v1/x-001/evt', bytes: 10_000_000 });
    expect(drops.count('oversized')).toBe(50);
    expect(lines).toHaveLength(1);
    clock.advance(DROP_LOG_QUIET_MS);
    drops.drop('oversized', { topic: 'qmon/v1/x-001/evt', bytes: 10_000_000 });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatchObject({ reason: 'oversized', suppressedSinceLast: 49, bytes: 10_000_000, msg: 'hub: message dropped (oversized)' });
  });
});

describe('timers and the replay-rate floor', () => {
  it('clampTimerMs keeps every delay within Node’s limit', () => {
    expect(clampTimerMs(1e12)).toBe(MAX_TIMER_MS);
    expect(clampTimerMs(Number.POSITIVE_INFINITY)).toBe(MAX_TIMER_MS);
    expect(clampTimerMs(Number.NaN)).toBe(MAX_TIMER_MS);
    expect(clampTimerMs(-5)).toBe(0);
    expect(clampTimerMs(1500)).toBe(1500);
  });

  it('a token bucket at 1e-9 msg/s asks for ~1e12 ms; through the uplink’s timers no delay exceeds 2^31 − 1', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(1e-9, clock);
    expect(bucket.take()).toBe(true);
    const wait = bucket.msUntilToken();
    expect(wait).toBeGreaterThan(MAX_TIMER_MS); // what once made Node fire after 1 ms, in a loop
    const fake = new FakeTimers();
    clampedTimers(fake).setTimeout(() => undefined, wait);
    expect([...fake.pending.values()].map((t) => t.ms)).toEqual([MAX_TIMER_MS]);
  });

  function memoryStore(initial?: string) {
    const meta = new Map<string, string>(initial === undefined ? [] : [[POLICY_META_KEY, initial]]);
    return { meta: (k: string) => meta.get(k), setMeta: (k: string, v: string) => void meta.set(k, v), raw: meta };
  }
  const defaults = { replayRatePerS: 5, heartbeatS: 60, snapshotUpload: true };

  it(`refuses replay_rate_per_s below ${MIN_REPLAY_RATE_PER_S} with the reason, and keeps the policy in force`, () => {
    const store = memoryStore();
    const state = new PolicyState(store, defaults, silentLogger());
    expect(() => state.set({ replay_rate_per_s: 1e-9 })).toThrow(PolicyRefused);
    expect(() => state.set({ replay_rate_per_s: 0.05, heartbeat_s: 30 })).toThrow(/replay_rate_per_s: .*0\.1.*\(got 0\.05\)/);
    expect(state.get()).toEqual(defaults);
    expect(store.raw.has(POLICY_META_KEY)).toBe(false);
    expect(state.set({ replay_rate_per_s: MIN_REPLAY_RATE_PER_S }).replayRatePerS).toBe(MIN_REPLAY_RATE_PER_S);
  });

  it('drops a below-floor rate persisted by an older agent at load, with a warning, and keeps the other overrides', () => {
    const { logger, lines } = capturingLogger();
    const state = new PolicyState(memoryStore(JSON.stringify({ replay_rate_per_s: 1e-9, heartbeat_s: 120, snapshot_upload: false })), defaults, logger);
    expect(state.get()).toEqual({ replayRatePerS: 5, heartbeatS: 120, snapshotUpload: false });
    expect(lines).toEqual([expect.objectContaining({ level: 40, override: 'replay_rate_per_s' })]);
    expect(new PolicyState(memoryStore('{not json'), defaults, silentLogger()).get()).toEqual(defaults);
  });
});
