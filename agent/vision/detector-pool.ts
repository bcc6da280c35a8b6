/**
 * Several sessions of the same detector used as one: each call goes to a free session (the first free one, else it
 * waits for one). On a small CPU one single-threaded session per core usually gets more frames through than one
 * session with a thread per core, because a small model's layers do not split well across threads; the scheduler's
 * `maxInFlight` set to the pool size keeps every session busy.
 */
import type { Detections, Frame } from '../shared/types.js';

export interface PooledDetector {
  detect(frame: Frame): Promise<Detections>;
}

export class DetectorPool implements PooledDetector {
  private readonly free: PooledDetector[];
  private readonly waiting: ((d: PooledDetector) => void)[] = [];

  constructor(private readonly members: readonly PooledDetector[]) {
    if (members.length === 0) throw new RangeError('detector pool needs at least one detector');
    this.free = [...members];
  }

  get size(): number {
    return this.members.length;
  }

  async detect(frame: Frame): Promise<Detections> {
    const d = this.free.shift() ?? (await new Promise<PooledDetector>((resolve) => this.waiting.push(resolve)));
    try {
      return await d.detect(frame);
    } finally {
      const next = this.waiting.shift();
      if (next) next(d);
      else this.free.push(d);
    }
  }
}
