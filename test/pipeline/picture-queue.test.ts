/**
 * The bounded queue in front of the snapshot worker, with a runner the test controls: never blocks the caller, makes
 * room for a more important picture, skips what waited too long, retries once a job whose worker was lost.
 */
import { describe, expect, it } from 'vitest';
import { PictureQueue, WorkerLostError, type PictureJob, type PictureReply, type PictureRunner } from '../../agent/pipeline/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import { CameraMetrics } from '../../agent/shared/camera-metrics.js';
import { capturingLogger } from '../support/capturing-logger.js';

const MADE: PictureReply = { ok: true, sha256: 'b'.repeat(64), bytes: 10, w: 1, h: 1, checkBlurred: 0, cpuMs: 12 };

function job(kind: PictureJob['kind'], tag = 0): PictureJob {
  return { kind, cameraId: 'hall', frame: { width: 1, height: 1, format: 'gray', pixels: new Uint8Array([tag]) }, people: [], others: [], quality: 80 };
}

/** A runner whose jobs finish when the test says. */
class HandRunner implements PictureRunner {
  restarts = 0;
  readonly jobs: { job: PictureJob; resolve: (r: PictureReply) => void; reject: (e: Error) => void }[] = [];
  run(job: PictureJob): Promise<PictureReply> {
    return new Promise((resolve, reject) => this.jobs.push({ job, resolve, reject }));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  async finish(reply: PictureReply = MADE): Promise<void> {
    this.jobs.shift()!.resolve(reply);
    await new Promise((r) => setImmediate(r));
  }
  async lose(): Promise<void> {
    this.restarts++;
    this.jobs.shift()!.reject(new WorkerLostError('snapshot worker exited (SIGKILL)'));
    await new Promise((r) => setImmediate(r));
  }
}

const tagOf = (j: PictureJob): number => j.frame.pixels[0]!;

describe('PictureQueue', () => {
  it('serves one job at a time, violation pictures before previews, and counts queued, deferred, made and CPU', async () => {
    const runner = new HandRunner();
    const q = new PictureQueue({ runner, clock: new ManualClock(), logger: capturingLogger().logger });
    const m = new CameraMetrics('hall');
    const results = [q.submit(job('snapshot', 1), m), q.submit(job('preview', 2), null), q.submit(job('context', 3), m), q.submit(job('snapshot', 4), m)];
    expect(runner.jobs.map((j) => tagOf(j.job))).toEqual([1]);
    for (let i = 0; i < 4; i++) await runner.finish();
    expect(q.length).toBe(0);
    expect((await Promise.all(results)).map((r) => r.outcome)).toEqual(['made', 'made', 'made', 'made']);
    expect(m.summary().pictures).toMatchObject({ queued: 3, deferred: 2, made: 3, failed: 0, skipped: 0, cpuP50Ms: 12 });
  });

  it('orders waiting jobs by kind: snapshot, context, preview', async () => {
    const runner = new HandRunner();
    const q = new PictureQueue({ runner, clock: new ManualClock(), logger: capturingLogger().logger });
    const order: number[] = [];
    const submit = (kind: PictureJob['kind'], tag: number) => void q.submit(job(kind, tag), null).then(() => order.push(tag));
    submit('preview', 1); // starts at once
    submit('preview', 2);
    submit('context', 3);
    submit('snapshot', 4);
    for (let i = 0; i < 4; i++) await runner.finish();
    expect(order).toEqual([1, 4, 3, 2]);
  });

  it('when full, a violation picture takes the place of a waiting preview; a full queue of violation pictures refuses, never blocks', async () => {
    const runner = new HandRunner();
    const q = new PictureQueue({ runner, clock: new ManualClock(), logger: capturingLogger().logger, capacity: 2 });
    const m = new CameraMetrics('hall');
    void q.submit(job('snapshot', 0), m); // in the worker
    const preview = q.submit(job('preview', 1), null);
    void q.submit(job('snapshot', 2), m);
    expect(q.length).toBe(2);
    const third = q.submit(job('snapshot', 3), m); // evicts the preview
    await expect(preview).resolves.toEqual({ outcome: 'skipped', reason: 'queue_full' });
    const fourth = q.submit(job('snapshot', 4), m); // nothing less important to evict
    await expect(fourth).resolves.toEqual({ outcome: 'skipped', reason: 'queue_full' });
    expect(m.pictures.skipped).toBe(1);
    for (let i = 0; i < 3; i++) await runner.finish();
    await expect(third).resolves.toMatchObject({ outcome: 'made' });
  });

  it('skips a job that waited longer than maxWaitMs (its moment has passed)', async () => {
    const runner = new HandRunner();
    const clock = new ManualClock();
    const q = new PictureQueue({ runner, clock, logger: capturingLogger().logger, maxWaitMs: 1000 });
    const m = new CameraMetrics('hall');
    void q.submit(job('snapshot', 0), m);
    const late = q.submit(job('snapshot', 1), m);
    clock.advance(1500);
    await runner.finish();
    await expect(late).resolves.toEqual({ outcome: 'skipped', reason: 'too_old' });
    expect(runner.jobs).toHaveLength(0);
  });

  it('tries a job once more when its worker was lost, then fails it; an error the worker reports is final', async () => {
    const runner = new HandRunner();
    const log = capturingLogger();
    const q = new PictureQueue({ runner, clock: new ManualClock(), logger: log.logger });
    const m = new CameraMetrics('hall');
    const twiceLost = q.submit(job('snapshot', 1), m);
    await runner.lose();
    expect(runner.jobs.map((j) => tagOf(j.job))).toEqual([1]); // the same picture again
    await runner.lose();
    await expect(twiceLost).resolves.toEqual({ outcome: 'failed', reason: 'worker_failed: snapshot worker exited (SIGKILL)' });
    const lostOnce = q.submit(job('snapshot', 2), m);
    await runner.lose();
    await runner.finish();
    await expect(lostOnce).resolves.toMatchObject({ outcome: 'made' });
    const refused = q.submit(job('snapshot', 3), m);
    await runner.finish({ ok: false, error: 'face check: model failed' });
    await expect(refused).resolves.toEqual({ outcome: 'failed', reason: 'render_failed: face check: model failed' });
    expect(runner.jobs).toHaveLength(0); // not retried
    expect(m.pictures).toEqual({ made: 1, failed: 2, skipped: 0 });
    expect(q.restarts).toBe(3);
  });

  it('close() skips what waits, lets the job in progress finish, and refuses new jobs without blocking', async () => {
    const runner = new HandRunner();
    const q = new PictureQueue({ runner, clock: new ManualClock(), logger: capturingLogger().logger });
    const running = q.submit(job('snapshot', 1), null);
    const waiting = q.submit(job('snapshot', 2), null);
    const closed = q.close();
    await expect(waiting).resolves.toEqual({ outcome: 'skipped', reason: 'shutdown' });
    await runner.finish();
    await closed;
    await expect(running).resolves.toMatchObject({ outcome: 'made' });
    await expect(q.submit(job('snapshot', 3), null)).resolves.toEqual({ outcome: 'skipped', reason: 'shutdown' });
  });
});
