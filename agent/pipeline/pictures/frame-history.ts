/**
 * A camera's recent moments for the context picture's strip: about one frame a second, kept small (a 160 px wide copy
 * with the persons' boxes scaled to it) and only for the last few seconds, so it costs a few hundred kilobytes per
 * camera however long it runs. A violation takes the frames before it at once and waits for the ones after it.
 */
import type { Box, Frame } from '../../shared/types.js';

/** One kept moment: a small copy of a frame and the persons in its pixels. */
export interface Moment {
  readonly ts: number;
  readonly width: number;
  readonly height: number;
  readonly pixels: Buffer;
  readonly persons: readonly Box[];
}

export interface FrameHistoryOptions {
  /** A frame is kept when at least this much frame time passed since the last kept one. Default 1000 ms. */
  readonly intervalMs?: number;
  /** Kept frames older than this are let go. Default 3000 ms. */
  readonly keepMs?: number;
  /** Width of the kept copies. Default 160. */
  readonly width?: number;
}

interface Waiter {
  readonly after: number;
  readonly count: number;
  readonly got: Moment[];
  readonly resolve: (m: Moment[]) => void;
}

export class FrameHistory {
  private readonly kept: Moment[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly intervalMs: number;
  private readonly keepMs: number;
  private readonly width: number;

  constructor(o: FrameHistoryOptions = {}) {
    this.intervalMs = o.intervalMs ?? 1000;
    this.keepMs = o.keepMs ?? 3000;
    this.width = o.width ?? 160;
  }

  /** Every processed frame with its persons; about one a second is kept. */
  offer(frame: Frame, persons: readonly Box[]): void {
    const last = this.kept.at(-1);
    if (last && frame.ts - last.ts < this.intervalMs * 0.9) return;
    const m = shrink(frame, persons, this.width);
    this.kept.push(m);
    while (this.kept.length > 0 && frame.ts - (this.kept[0] as Moment).ts > this.keepMs) this.kept.shift();
    for (const w of this.waiters) {
      if (m.ts <= w.after) continue;
      w.got.push(m);
      if (w.got.length >= w.count) this.settle(w);
    }
  }

  /** Up to `count` kept moments before `ts`, oldest first. */
  before(ts: number, count: number): Moment[] {
    return this.kept.filter((m) => m.ts < ts).slice(-count);
  }

  /**
   * The next `count` moments kept after `ts`; resolves early with what there is after `timeoutMs` (a camera that
   * stopped, or stopped delivering) or at `close()`.
   */
  after(ts: number, count: number, timeoutMs: number): Promise<Moment[]> {
    return new Promise((resolve) => {
      const w: Waiter = { after: ts, count, got: [], resolve };
      this.waiters.add(w);
      setTimeout(() => this.settle(w), timeoutMs).unref();
    });
  }

  /** Resolves every waiting `after` with what it has. */
  close(): void {
    for (const w of [...this.waiters]) this.settle(w);
  }

  private settle(w: Waiter): void {
    if (!this.waiters.delete(w)) return;
    w.resolve(w.got);
  }
}

/** A `width`-wide copy of an rgb24 or gray frame (box average; rgb24 out) and its persons scaled to it. */
function shrink(frame: Frame, persons: readonly Box[], width: number): Moment {
  const W = frame.width;
  const H = frame.height;
  const w = Math.max(1, Math.min(W, width));
  const h = Math.max(1, Math.round((H * w) / W));
  const ch = frame.format === 'gray' ? 1 : 3;
  const src = frame.pixels;
  const sums = new Float64Array(w * h * 3);
  const counts = new Float64Array(w * h);
  const colCell = new Int32Array(W);
  for (let x = 0; x < W; x++) colCell[x] = Math.min(w - 1, Math.floor((x * w) / W));
  // Every second row and column is enough to average a 4× (or more) reduction.
  const step = W / w >= 4 ? 2 : 1;
  for (let y = 0; y < H; y += step) {
    const row = Math.min(h - 1, Math.floor((y * h) / H)) * w;
    for (let x = 0; x < W; x += step) {
      const o = (y * W + x) * ch;
      const c = row + (colCell[x] as number);
      for (let k = 0; k < 3; k++) sums[c * 3 + k] = (sums[c * 3 + k] as number) + (src[o + (ch === 1 ? 0 : k)] as number);
      counts[c] = (counts[c] as number) + 1;
    }
  }
  const pixels = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) for (let k = 0; k < 3; k++) pixels[i * 3 + k] = Math.round((sums[i * 3 + k] as number) / (counts[i] as number));
  const s = w / W;
  return { ts: frame.ts, width: w, height: h, pixels, persons: persons.map((b) => ({ x1: b.x1 * s, y1: b.y1 * s, x2: b.x2 * s, y2: b.y2 * s })) };
}
