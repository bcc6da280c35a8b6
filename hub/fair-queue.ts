/**
 * Per-facility queues inside one hub process, drained round-robin in short turns: one facility's backlog never
 * delays another's. Each turn starts at most one task per facility per pass over the facilities that have work,
 * and yields to the event loop (setImmediate) after `turnMax` tasks or `turnMs` of work, so MQTT reads, ACK
 * writes and the HTTP API run between turns however much one facility sends. A facility runs at most
 * `concurrency` tasks at once; an `exclusive` task (a status, birth, heartbeat) waits until none of its facility
 * runs and holds the others back, so liveness keeps its arrival order while events commit in parallel.
 */
export interface FairTask {
  readonly exclusive: boolean;
  run(): Promise<void> | void;
}

export interface FairQueueOptions {
  /** Tasks queued per facility at most; `push` refuses more (the caller counts the drop). */
  readonly maxQueued: number;
  /** Tasks of one facility running at once at most. */
  readonly concurrency: number;
  /** Tasks started per turn at most, and milliseconds per turn at most, before yielding to the event loop. */
  readonly turnMax?: number;
  readonly turnMs?: number;
  /** A task that threw or rejected. */
  readonly onError: (key: string, err: unknown) => void;
}

interface Lane {
  readonly tasks: FairTask[];
  running: number;
  exclusiveRunning: boolean;
}

export class FairQueue {
  private readonly lanes = new Map<string, Lane>();
  /** Facilities with queued tasks, in round-robin order, each at most once (`inRing`). */
  private ring: string[] = [];
  private readonly inRing = new Set<string>();
  private scheduled = false;
  private open = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly opts: FairQueueOptions) {}

  /** Queues a task; false when the facility's queue is full (nothing queued). */
  push(key: string, task: FairTask): boolean {
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { tasks: [], running: 0, exclusiveRunning: false };
      this.lanes.set(key, lane);
    }
    if (lane.tasks.length >= this.opts.maxQueued) return false;
    lane.tasks.push(task);
    this.enqueueKey(key);
    this.open++;
    this.schedule();
    return true;
  }

  /** Tasks queued or running, over all facilities. */
  get size(): number {
    return this.open;
  }

  /** Resolves when every task pushed so far has finished. */
  idle(): Promise<void> {
    return this.open === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  private enqueueKey(key: string): void {
    if (this.inRing.has(key)) return;
    this.inRing.add(key);
    this.ring.push(key);
  }

  private schedule(): void {
    if (this.scheduled || this.ring.length === 0) return;
    this.scheduled = true;
    setImmediate(() => this.turn());
  }

  private turn(): void {
    this.scheduled = false;
    const turnMax = this.opts.turnMax ?? 256;
    const deadline = performance.now() + (this.opts.turnMs ?? 10);
    let started = 0;
    let progress = true;
    while (progress && started < turnMax && performance.now() < deadline) {
      progress = false;
      const ring = this.ring;
      this.ring = [];
      this.inRing.clear();
      for (const key of ring) {
        const lane = this.lanes.get(key)!;
        if (started < turnMax && this.startOne(key, lane)) {
          started++;
          progress = true;
        }
        if (lane.tasks.length > 0) this.enqueueKey(key);
        else if (lane.running === 0) this.lanes.delete(key);
      }
    }
    // Out of budget with work left: continue after the event loop had its turn. Lanes only waiting for their
    // running tasks are resumed by those tasks' completion (no spinning meanwhile).
    if (progress) this.schedule();
  }

  /** Starts the facility's next task if its lane allows; false when it must wait. */
  private startOne(key: string, lane: Lane): boolean {
    const next = lane.tasks[0];
    if (next === undefined || lane.exclusiveRunning || lane.running >= this.opts.concurrency) return false;
    if (next.exclusive && lane.running > 0) return false;
    lane.tasks.shift();
    lane.running++;
    lane.exclusiveRunning = next.exclusive;
    const done = () => {
      lane.running--;
      lane.exclusiveRunning = false;
      if (lane.tasks.length > 0) {
        this.enqueueKey(key);
        this.schedule();
      } else if (lane.running === 0 && this.lanes.get(key) === lane) this.lanes.delete(key);
      if (--this.open === 0) for (const w of this.waiters.splice(0)) w();
    };
    try {
      const out = next.run();
      if (out instanceof Promise) {
        out.then(done, (err: unknown) => {
          this.opts.onError(key, err);
          done();
        });
      } else done();
    } catch (err) {
      this.opts.onError(key, err);
      done();
    }
    return true;
  }
}
