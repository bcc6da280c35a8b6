import type { Timers } from '../../agent/shared/index.js';

/** Timers that only fire when the test says so; records every delay asked for. */
export class FakeTimers implements Timers {
  private next = 1;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();

  setTimeout(fn: () => void, ms: number): number {
    const id = this.next++;
    this.pending.set(id, { fn, ms });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Fires the oldest pending timer and returns the delay it was set with. */
  fireNext(): number {
    const first = this.pending.entries().next();
    if (first.done) throw new Error('no timer pending');
    const [id, t] = first.value;
    this.pending.delete(id);
    t.fn();
    return t.ms;
  }
}

/** Lets queued promise callbacks run (the loop awaits between steps). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
