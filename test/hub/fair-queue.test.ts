// FairQueue: per-facility queues served in turn, so one facility's backlog never delays another's.
import { describe, expect, it } from 'vitest';
import { FairQueue } from '../../hub/fair-queue.js';

const noError = (key: string, err: unknown) => {
  throw new Error(`task of ${key} failed: ${String(err)}`);
};

describe('FairQueue', () => {
  it('serves facilities in turn: a facility with 1,000 queued tasks does not hold back one with a single task', async () => {
    const order: string[] = [];
    const q = new FairQueue({ maxQueued: 10_000, concurrency: 1, turnMax: 64, onError: noError });
    for (let i = 0; i < 1000; i++) q.push('flood', { exclusive: false, run: () => void order.push('flood') });
    q.push('quiet', { exclusive: false, run: () => void order.push('quiet') });
    await q.idle();
    expect(order).toHaveLength(1001);
    expect(order.indexOf('quiet')).toBeLessThanOrEqual(1); // second at the latest, not 1001st
  });

  it('yields to the event loop between turns, however much is queued', async () => {
    const q = new FairQueue({ maxQueued: 10_000, concurrency: 1, turnMax: 10, onError: noError });
    let ran = 0;
    for (let i = 0; i < 100; i++) q.push('flood', { exclusive: false, run: () => void ran++ });
    await new Promise<void>((resolve) => setImmediate(resolve)); // one turn of the loop
    expect(ran).toBeGreaterThan(0);
    expect(ran).toBeLessThan(100);
    await q.idle();
    expect(ran).toBe(100);
  });

  it('runs up to `concurrency` tasks of a facility at once; an exclusive one alone and in its place', async () => {
    const q = new FairQueue({ maxQueued: 100, concurrency: 3, onError: noError });
    let running = 0;
    let peak = 0;
    const log: string[] = [];
    const task = (name: string, exclusive = false) => ({
      exclusive,
      run: async () => {
        running++;
        peak = Math.max(peak, running);
        log.push(`start ${name} (${running})`);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      },
    });
    for (const n of ['e1', 'e2', 'e3', 'e4']) q.push('f', task(n));
    q.push('f', task('status', true));
    q.push('f', task('e5'));
    await q.idle();
    expect(peak).toBe(3);
    expect(log.find((l) => l.startsWith('start status'))).toBe('start status (1)');
    expect(log.indexOf('start e5 (1)')).toBeGreaterThan(log.findIndex((l) => l.startsWith('start status')));
  });

  it('refuses a task over the facility’s queue bound (the caller counts it) and reports a failing task', async () => {
    const errors: string[] = [];
    const q = new FairQueue({ maxQueued: 2, concurrency: 1, onError: (key, err) => errors.push(`${key}: ${(err as Error).message}`) });
    const results = [0, 1, 2].map(() => q.push('f', { exclusive: false, run: () => Promise.reject(new Error('db down')) }));
    expect(results).toEqual([true, true, false]);
    expect(q.push('g', { exclusive: false, run: () => undefined })).toBe(true); // another facility is not affected
    await q.idle();
    expect(errors).toEqual(['f: db down', 'f: db down']);
    expect(q.size).toBe(0);
  });
});
