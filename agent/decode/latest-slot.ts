/**
 * A one-place mailbox where a new value replaces an unread one ("latest wins"). Between a camera
 * and a slower consumer this keeps memory flat and latency at one frame: the consumer always gets
 * the newest picture, never a backlog of stale ones.
 */
export class LatestSlot<T extends NonNullable<unknown>> {
  private value: T | undefined;
  private hasValue = false;
  private waiter: ((v: T | undefined) => void) | null = null;
  private closed = false;

  /**
   * Offer a value; it replaces an unread one. Returns true when it did (the owner counts what its consumer lost:
   * the slot itself keeps no count). Ignored after close().
   */
  push(v: T): boolean {
    if (this.closed) return false;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(v);
      return false;
    }
    const replaced = this.hasValue;
    this.value = v;
    this.hasValue = true;
    return replaced;
  }

  /** Values waiting to be read: 0 or 1. */
  get pending(): number {
    return this.hasValue ? 1 : 0;
  }

  /**
   * The next value, waiting if there is none; undefined once closed and drained. One reader at a
   * time: the mailbox has a single consumer by design.
   */
  take(): Promise<T | undefined> {
    if (this.hasValue) {
      const v = this.value;
      this.value = undefined;
      this.hasValue = false;
      return Promise.resolve(v);
    }
    if (this.closed) return Promise.resolve(undefined);
    if (this.waiter) return Promise.reject(new Error('LatestSlot.take(): already has a waiting reader'));
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /**
   * No more values. A value still unread is kept for the reader (the last picture before a camera
   * stops is still worth analysing); a waiting reader is released with undefined.
   */
  close(): void {
    this.closed = true;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(undefined);
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      const v = await this.take();
      if (v === undefined) return;
      yield v;
    }
  }
}
