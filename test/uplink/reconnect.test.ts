import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../agent/shared/clock.js';
import { Backoff } from '../../agent/shared/index.js';
import { ReconnectLoop, type Connected } from '../../agent/uplink/reconnect.js';
import { TokenBucket } from '../../agent/shared/token-bucket.js';
import { FakeTimers, settle } from './fake-timers.js';

/** A connect() whose every attempt the test resolves (with a closable connection) or rejects. */
function scriptedConnect() {
  const attempts: { ok: () => () => void; fail: () => void }[] = [];
  const connect = () =>
    new Promise<Connected>((resolve, reject) => {
      attempts.push({
        ok: () => {
          let close!: () => void;
          resolve({ closed: new Promise<void>((r) => (close = r)) });
          return () => close();
        },
        fail: () => reject(new Error('ECONNREFUSED')),
      });
    });
  return { attempts, connect };
}

function harness(random = () => 0.5) {
  const clock = new ManualClock();
  const timers = new FakeTimers();
  const script = scriptedConnect();
  const waits: number[] = [];
  const errors: unknown[] = [];
  const loop = new ReconnectLoop({
    connect: script.connect,
    backoff: new Backoff({ random }),
    clock,
    timers,
    onWait: (ms) => waits.push(ms),
    onError: (e) => errors.push(e),
  });
  /** Fails the current attempt and returns the delay the loop chose before the next one. */
  const failOnce = async () => {
    await settle();
    script.attempts.at(-1)!.fail();
    await settle();
    return timers.fireNext();
  };
  /** Stops the loop; an attempt still in progress is failed, as the uplink's abort does. */
  const end = async () => {
    const stopped = loop.stop();
    await settle();
    script.attempts.at(-1)?.fail();
    await stopped;
  };
  return { clock, timers, script, waits, errors, loop, failOnce, end };
}

describe('ReconnectLoop backoff', () => {
  it('grows exponentially with full jitter and is capped at 5 minutes', async () => {
    const h = harness(() => 0.5);
    h.loop.start();
    const delays: number[] = [];
    for (let i = 0; i < 12; i++) delays.push(await h.failOnce());
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 150000, 150000, 150000]);
    expect(h.errors).toHaveLength(12);
    expect(h.script.attempts).toHaveLength(13);
    await h.end();
  });

  it('draws each delay uniformly below the ceiling (full jitter)', async () => {
    const rolls = [0, 0.999, 0.25];
    const h = harness(() => rolls.shift() ?? 0);
    h.loop.start();
    expect([await h.failOnce(), await h.failOnce(), await h.failOnce()]).toEqual([0, 1998, 1000]);
    await h.end();
  });

  it('resets after a minute connected, but not after a short connection', async () => {
    const h = harness(() => 1 - 1e-9);
    h.loop.start();
    expect([await h.failOnce(), await h.failOnce(), await h.failOnce()]).toEqual([999, 1999, 3999]);
    await settle();
    let close = h.script.attempts.at(-1)!.ok();
    await settle();
    h.clock.advance(10_000); // short-lived connection: keep growing
    close();
    await settle();
    expect(h.timers.fireNext()).toBe(7999);
    await settle();
    close = h.script.attempts.at(-1)!.ok();
    await settle();
    h.clock.advance(60_000); // a minute connected: back to the start
    close();
    await settle();
    expect(h.timers.fireNext()).toBe(999);
    expect(await h.failOnce()).toBe(1999);
    await h.end();
  });

  it('stop() during a wait ends the loop without another attempt', async () => {
    const h = harness();
    h.loop.start();
    await settle();
    h.script.attempts[0]!.fail();
    await settle();
    expect(h.timers.pending.size).toBe(1);
    await h.loop.stop();
    expect(h.timers.pending.size).toBe(0);
    await settle();
    expect(h.script.attempts).toHaveLength(1);
  });

  it('penalize() jumps to the slow end (a refused login is not retried fast)', () => {
    const b = new Backoff({ random: () => 0.5 });
    expect(b.nextDelay()).toBe(500);
    b.penalize();
    expect(b.nextDelay()).toBe(150_000);
    expect(() => new Backoff({ baseMs: 0 })).toThrow(RangeError);
  });
});

describe('TokenBucket', () => {
  it('allows the rate per second on the injected clock, no faster', () => {
    const clock = new ManualClock();
    const bucket = new TokenBucket(5, clock);
    expect([1, 2, 3, 4, 5, 6].map(() => bucket.take())).toEqual([true, true, true, true, true, false]);
    expect(bucket.msUntilToken()).toBe(200);
    clock.advance(199);
    expect(bucket.take()).toBe(false);
    clock.advance(1);
    expect(bucket.take()).toBe(true);
    clock.advance(60_000);
    expect([1, 2, 3, 4, 5, 6].filter(() => bucket.take())).toHaveLength(5); // never more than 1 s of burst
    expect(() => new TokenBucket(0, clock)).toThrow(/must be > 0/);
  });
});
