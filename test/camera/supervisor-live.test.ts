/**
 * A real supervisor (system clock, real timers) on a generated 2 s H.264 testsrc clip played in a
 * loop at real-time speed: frames must keep coming across the loop boundary from one ffmpeg.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CameraSupervisor } from '../../agent/camera/index.js';
import type { Frame } from '../../agent/shared/types.js';
import { isAlive, makeClip, tempDir } from '../decode/media.js';

let tmp: ReturnType<typeof tempDir>;
let clip: string;
beforeAll(() => {
  tmp = tempDir('supervisor-live');
  clip = makeClip(join(tmp.dir, 'loop2s.mp4'), { seconds: 2, width: 320, height: 240, rate: 25 });
});
afterAll(() => tmp.cleanup());

describe('CameraSupervisor on a looping clip (real time)', () => {
  it('streams past the end of the clip without restarting ffmpeg', async () => {
    const sup = new CameraSupervisor({
      cameraId: 'loop',
      input: { kind: 'file', path: clip, loop: true },
      output: { width: 160, height: 120, fps: 5 },
    });
    sup.start();
    const pid = sup.pid!;
    const frames: Frame[] = [];
    try {
      // 2 s at 5 fps is 10 frames per pass; 16 frames means the loop wrapped at least once.
      for await (const f of sup.frames()) {
        frames.push(f);
        if (frames.length === 16) break;
      }
    } finally {
      await sup.stop();
    }
    expect(sup.metrics).toMatchObject({ restarts: 0, stalls: 0 });
    expect(sup.state.state).toBe('stopped');
    expect(isAlive(pid)).toBe(false);
    expect(frames.every((f) => f.pixels.length === 160 * 120 * 3 && f.cameraId === 'loop')).toBe(true);
    for (let i = 1; i < frames.length; i++) {
      expect(frames[i]!.seq).toBeGreaterThan(frames[i - 1]!.seq);
      expect(frames[i]!.ts).toBeGreaterThanOrEqual(frames[i - 1]!.ts);
    }
    // The second pass shows the clip's pictures again: some frame after the first 10 equals the first.
    expect(frames.slice(10).some((f) => f.pixels.equals(frames[0]!.pixels))).toBe(true);
    // ...and the pictures in between differ (the pattern moves), so that match is not trivial.
    expect(frames[1]!.pixels.equals(frames[0]!.pixels)).toBe(false);
  });
});
