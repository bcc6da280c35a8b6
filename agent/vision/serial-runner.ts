/**
 * One inference at a time per model: each model instance owns one session and reusable input buffers, so calls are
 * chained rather than run concurrently. `close()` lets the calls already made finish, then releases the session;
 * later calls are rejected with a message naming the model.
 */
export class SerialRunner {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly what: string,
    private readonly release: () => Promise<void>,
  ) {}

  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`${this.what} is closed`));
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.release();
  }
}
