import { describe, expect, it } from 'vitest';
import { DetectorPool } from '../../agent/vision/detector-pool.js';
import { VisionScheduler } from '../../agent/vision/scheduler.js';
import { ManualClock } from '../../agent/shared/clock.js';
import type { Detections, Frame } from '../../agent/shared/types.js';

const frame = (cameraId: string, seq: number): Frame => ({ cameraId, seq, ts: seq * 200, wallTs: 0, width: 4, height: 4, format: 'rgb24', pixels: Buffer.alloc(48, seq) });

/** A detector whose runs finish when the test says, recording which frames each member ran. */
class Held {
  readonly ran: string[] = [];
  private pending: (() => void)[] = [];
  detect(f: Frame): Promise<Detections> {
    this.ran.push(`${f.cameraId}:${f.seq}`);
    return new Promise((resolve) =>
      this.pending.push(() => resolve({ cameraId: f.cameraId, frameSeq: f.seq, ts: f.ts, wallTs: f.wallTs, width: 4, height: 4, items: [] })),
    );
  }
  get busy(): number {
    return this.pending.length;
  }
  finishAll(): void {
    this.pending.splice(0).forEach((p) => p());
  }
}

describe('DetectorPool under the scheduler (one session per core)', () => {
  it('runs two cameras at once on two sessions, never two frames of one camera, and keeps each camera in order', async () => {
    const a = new Held();
    const b = new Held();
    const s = new VisionScheduler({ detector: new DetectorPool([a, b]), clock: new ManualClock(), motion: false, maxInFlight: 2 });
    const got: string[] = [];
    const submit = (cam: string, seq: number) => void s.submit(frame(cam, seq)).then((d) => got.push(d ? `${cam}:${d.frameSeq}` : `${cam}:dropped`));
    submit('x', 0);
    submit('y', 0);
    submit('x', 1); // waits: camera x already has a run
    await Promise.resolve();
    expect(a.busy + b.busy).toBe(2);
    expect([...a.ran, ...b.ran].sort()).toEqual(['x:0', 'y:0']);
    a.finishAll();
    b.finishAll();
    await new Promise((r) => setImmediate(r));
    expect([...a.ran, ...b.ran]).toContain('x:1');
    a.finishAll();
    b.finishAll();
    await s.close();
    expect(got).toEqual(['x:0', 'y:0', 'x:1']);
  });

  it('a call beyond the free sessions waits for one; an empty pool and a bad maxInFlight are refused', async () => {
    const a = new Held();
    const pool = new DetectorPool([a]);
    const first = pool.detect(frame('x', 0));
    const second = pool.detect(frame('x', 1));
    await Promise.resolve();
    expect(a.ran).toEqual(['x:0']);
    a.finishAll();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(a.ran).toEqual(['x:0', 'x:1']);
    a.finishAll();
    await second;
    expect(() => new DetectorPool([])).toThrow(/at least one/);
    expect(() => new VisionScheduler({ detector: a, clock: new ManualClock(), maxInFlight: 0 })).toThrow(/maxInFlight/);
  });
});
