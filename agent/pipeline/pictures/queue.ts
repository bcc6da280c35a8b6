/**
 * The bounded queue in front of the snapshot worker. Nothing on the per-frame path ever waits on it: `submit` returns
 * at once with a promise of the outcome. It holds at most `capacity` jobs; when full, a job of a more important kind
 * (a violation's snapshot before its context picture, both before a dashboard preview) takes the place of the least
 * important one waiting, otherwise it is refused. A job that waited longer than `maxWaitMs` is not made (its moment
 * has passed). A job whose worker was lost is tried once more, then fails. Every outcome is counted in the camera's
 * metrics (queued, deferred, made, failed, skipped, CPU per picture made).
 */
import type { Logger } from '../../ops/index.js';
import type { Clock } from '../../shared/clock.js';
import type { CameraMetrics } from '../../shared/camera-metrics.js';
import { PICTURE_PRIORITY, type PictureJob, type PictureReply } from './jobs.js';
import { WorkerLostError, type PictureRunner } from './worker.js';

/** What became of a job. */
export type PictureResult =
  | { readonly outcome: 'made'; readonly reply: Extract<PictureReply, { ok: true }> }
  | { readonly outcome: 'failed' | 'skipped'; readonly reason: string };

/** Why a picture was not made, as recorded and counted. */
export const PICTURE_SKIP_REASONS = ['queue_full', 'too_old', 'shutdown', 'disk_pressure'] as const;

export interface PictureQueueOptions {
  readonly runner: PictureRunner;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Jobs waiting at most. Default 16 (each holds its frame: 1.3 MB at 768×576). */
  readonly capacity?: number;
  /** A job that waited longer is skipped. Default 60 s. */
  readonly maxWaitMs?: number;
}

interface Waiting {
  readonly job: PictureJob;
  readonly metrics: CameraMetrics | null;
  readonly at: number;
  readonly resolve: (r: PictureResult) => void;
}

export class PictureQueue {
  private readonly waiting: Waiting[] = [];
  private busy = false;
  private closed = false;
  private idle: Promise<void> = Promise.resolve();
  private readonly capacity: number;
  private readonly maxWaitMs: number;

  constructor(private readonly o: PictureQueueOptions) {
    this.capacity = o.capacity ?? 16;
    this.maxWaitMs = o.maxWaitMs ?? 60_000;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new RangeError(`picture queue capacity must be an integer ≥ 1, got ${this.capacity}`);
  }

  /** Jobs waiting now (not counting the one being made). */
  get length(): number {
    return this.waiting.length;
  }

  /** Workers started again after one was lost. */
  get restarts(): number {
    return this.o.runner.restarts;
  }

  /** Queues `job`; never blocks, never throws. `metrics`: the camera's counters (null for pictures of no camera). */
  submit(job: PictureJob, metrics: CameraMetrics | null): Promise<PictureResult> {
    if (metrics) metrics.picturesQueued++;
    if (this.closed) return Promise.resolve(this.settle(metrics, job, { outcome: 'skipped', reason: 'shutdown' }));
    if (this.waiting.length >= this.capacity && !this.evictFor(job)) {
      return Promise.resolve(this.settle(metrics, job, { outcome: 'skipped', reason: 'queue_full' }));
    }
    if (metrics && (this.busy || this.waiting.length > 0)) metrics.picturesDeferred++;
    return new Promise<PictureResult>((resolve) => {
      const w: Waiting = { job, metrics, at: this.o.clock.now(), resolve };
      // In priority order, first come first served within a kind.
      const i = this.waiting.findIndex((x) => PICTURE_PRIORITY[x.job.kind] > PICTURE_PRIORITY[job.kind]);
      if (i < 0) this.waiting.push(w);
      else this.waiting.splice(i, 0, w);
      this.pump();
    });
  }

  /** Skips what waits (`shutdown`), lets the job in progress finish, closes the worker. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.resolve(this.settle(w.metrics, w.job, { outcome: 'skipped', reason: 'shutdown' }));
    await this.idle;
    await this.o.runner.close();
  }

  /** Makes room for `job` by dropping the least important waiting job less important than it; false if none is. */
  private evictFor(job: PictureJob): boolean {
    const last = this.waiting.at(-1);
    if (!last || PICTURE_PRIORITY[last.job.kind] <= PICTURE_PRIORITY[job.kind]) return false;
    this.waiting.pop();
    last.resolve(this.settle(last.metrics, last.job, { outcome: 'skipped', reason: 'queue_full' }));
    return true;
  }

  private pump(): void {
    if (this.busy || this.closed) return;
    const w = this.waiting.shift();
    if (!w) return;
    this.busy = true;
    this.idle = this.make(w).finally(() => {
      this.busy = false;
      this.pump();
    });
  }

  private async make(w: Waiting): Promise<void> {
    const waited = this.o.clock.now() - w.at;
    if (waited > this.maxWaitMs) {
      w.resolve(this.settle(w.metrics, w.job, { outcome: 'skipped', reason: 'too_old' }));
      return;
    }
    let result: PictureResult;
    try {
      result = await this.runWithRetry(w.job);
    } catch (e) {
      result = { outcome: 'failed', reason: `worker_failed: ${e instanceof Error ? e.message : String(e)}` };
    }
    w.resolve(this.settle(w.metrics, w.job, result));
  }

  /** One more try when the worker was lost on the job; an error the worker reported is final. */
  private async runWithRetry(job: PictureJob): Promise<PictureResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        const reply = await this.o.runner.run(job);
        return reply.ok ? { outcome: 'made', reply } : { outcome: 'failed', reason: `render_failed: ${reply.error}` };
      } catch (e) {
        if (!(e instanceof WorkerLostError) || attempt >= 2) throw e;
        this.o.logger.warn({ cameraId: job.cameraId, kind: job.kind, err: e.message }, 'snapshot worker lost on a picture; trying it once more');
      }
    }
  }

  private settle(metrics: CameraMetrics | null, job: PictureJob, r: PictureResult): PictureResult {
    if (metrics) {
      metrics.pictures[r.outcome]++;
      if (r.outcome === 'made') (job.kind === 'context' ? metrics.contextCpuMs : metrics.pictureCpuMs).add(r.reply.cpuMs);
    }
    if (r.outcome === 'failed') this.o.logger.error({ cameraId: job.cameraId, kind: job.kind, reason: r.reason }, 'picture could not be made');
    return r;
  }
}
