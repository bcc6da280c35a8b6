import { expect, vi } from 'vitest';
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

/**
 * Real timers that count how many callbacks of timers set with `ms` have run to completion. Given to the Uplink
 * with `tickMs: ms`, `ticks(n)` waits until the relay has ticked n more times: a "nothing was sent" check after it
 * has tested something even on a slow machine, where a fixed sleep may have let no tick run at all. (A relay
 * wake-up timer could have the same delay; it also evaluates what to send, so counting it is harmless.)
 */
export class CountingTimers implements Timers {
  fired = 0;
  constructor(readonly ms: number) {}

  setTimeout(fn: () => void, ms: number): unknown {
    return setTimeout(() => {
      fn();
      if (ms === this.ms) this.fired++;
    }, ms);
  }

  clearTimeout(handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout);
  }

  async ticks(n: number, timeoutMs = 20_000): Promise<void> {
    const target = this.fired + n;
    await vi.waitFor(() => expect(this.fired, `${n} more uplink ticks`).toBeGreaterThanOrEqual(target), { timeout: timeoutMs, interval: 10 });
  }
}
