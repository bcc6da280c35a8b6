import type { ManualClock } from '../../agent/shared/clock.js';
import type { Timers } from '../../agent/shared/index.js';

interface Pending {
  id: number;
  due: number;
  fn: () => void;
}

/**
 * Timers on a ManualClock: `advance(ms)` moves the clock to each due timer in turn and fires it,
 * so minutes of backoff run in microseconds and deadlines fire at their exact instant.
 */
export class ManualTimers implements Timers {
  private pending: Pending[] = [];
  private nextId = 0;

  constructor(readonly clock: ManualClock) {}

  setTimeout(fn: () => void, ms: number): Pending {
    const t = { id: this.nextId++, due: this.clock.now() + Math.max(0, ms), fn };
    this.pending.push(t);
    return t;
  }

  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((p) => p !== handle);
  }

  /** Due times of the timers still waiting, relative to now. */
  delays(): number[] {
    return this.pending.map((p) => p.due - this.clock.now()).sort((a, b) => a - b);
  }

  advance(ms: number): void {
    const target = this.clock.now() + ms;
    for (;;) {
      const next = this.pending
        .filter((p) => p.due <= target)
        .sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.clock.advance(next.due - this.clock.now());
      next.fn();
    }
    this.clock.advance(target - this.clock.now());
  }
}
