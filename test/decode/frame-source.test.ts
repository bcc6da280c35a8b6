/**
 * FfmpegFrameSource against the real system ffmpeg. Media: clips generated here from lavfi
 * `testsrc` (H.264), and OpenCV's sample recording vtest.avi (pedestrians, 768x576, 10 fps).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegFrameSource } from '../../agent/decode/index.js';
import type { Frame } from '../../agent/shared/types.js';
import { isAlive, makeClip, tempDir, VTEST, waitFor } from './media.js';

let tmp: ReturnType<typeof tempDir>;
let clip3s: string;

beforeAll(() => {
  tmp = tempDir('decode');
  clip3s = makeClip(join(tmp.dir, 'testsrc-3s.mp4'), { seconds: 3, width: 320, height: 240, rate: 25 });
});
afterAll(() => tmp.cleanup());

/** Mean of one channel (0=R,1=G,2=B) over a rectangle of an RGB frame. */
function meanOf(f: Frame, x0: number, y0: number, w: number, h: number, ch: number): number {
  let sum = 0;
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) sum += f.pixels[(y * f.width + x) * 3 + ch]!;
  return sum / (w * h);
}

describe('FfmpegFrameSource on a generated 3 s H.264 clip (testsrc, 25 fps)', () => {
  it('delivers exact-size frames at the detect rate: 15 ± 2 frames for 3 s at 5 fps', async () => {
    const src = new FfmpegFrameSource({
      cameraId: 'cam-t',
      input: { kind: 'file', path: clip3s, loop: false, realtime: false },
      output: { width: 160, height: 120, fps: 5 },
    });
    const frames: Frame[] = [];
    src.on('frame', (f) => frames.push(f));
    src.start();
    const exit = await src.exited;
    expect(exit).toMatchObject({ code: 0, requested: false, error: null });
    expect(frames.length).toBeGreaterThanOrEqual(13);
    expect(frames.length).toBeLessThanOrEqual(17);
    for (const [i, f] of frames.entries()) {
      expect(f).toMatchObject({ cameraId: 'cam-t', seq: i, width: 160, height: 120, format: 'rgb24' });
      expect(f.pixels.length).toBe(160 * 120 * 3);
    }
    expect(src.stats.bytes).toBe(frames.length * 160 * 120 * 3);
    // The pattern moves, so consecutive frames differ: real decoded pictures, not a repeated buffer.
    expect(frames[0]!.pixels.equals(frames[1]!.pixels)).toBe(false);
  });

  it('stamps frames with the injected clock', async () => {
    let mono = 1_000;
    const clock = { now: () => (mono += 5), wall: () => 1_700_000_000_000 };
    const src = new FfmpegFrameSource({
      cameraId: 'cam-c',
      input: { kind: 'file', path: clip3s, loop: false, realtime: false },
      output: { width: 64, height: 48, fps: 2, format: 'gray' },
      clock,
    });
    const frames: Frame[] = [];
    src.on('frame', (f) => frames.push(f));
    src.start();
    await src.exited;
    expect(frames.length).toBeGreaterThan(2);
    expect(frames.every((f) => f.wallTs === 1_700_000_000_000 && f.pixels.length === 64 * 48)).toBe(true);
    for (let i = 1; i < frames.length; i++) expect(frames[i]!.ts).toBeGreaterThan(frames[i - 1]!.ts);
  });
});

describe('FfmpegFrameSource on vtest.avi (real recording, 768x576)', () => {
  it('plays it in real time at 5 fps with right-size, plausible RGB pictures', async () => {
    const src = new FfmpegFrameSource({
      cameraId: 'vtest',
      input: { kind: 'file', path: VTEST, loop: false },
      output: { width: 768, height: 576, fps: 5 },
    });
    const frames = firstFrames(src, 3);
    src.start();
    await waitFor(() => frames.length >= 3, 'three vtest frames');
    const exit = await src.stop();
    expect(exit.requested).toBe(true);
    expect(exit.error).toBeNull();
    expect(frames.map((f) => f.pixels.length)).toEqual([768 * 576 * 3, 768 * 576 * 3, 768 * 576 * 3]);
    const [a, b] = [frames[0]!, frames[2]!];
    // The brick building (top middle) does not move: bright, and the same in both frames.
    for (const ch of [0, 1, 2]) {
      const ma = meanOf(a, 330, 30, 200, 50, ch);
      expect(ma).toBeGreaterThan(20);
      expect(Math.abs(ma - meanOf(b, 330, 30, 200, 50, ch))).toBeLessThan(8);
    }
    // Grass (bottom left) is green in RGB order: G above R and B, so channels are not swapped.
    const [r, g, bl] = [0, 1, 2].map((ch) => meanOf(a, 0, 420, 200, 100, ch));
    expect(g).toBeGreaterThan(r!);
    expect(g).toBeGreaterThan(bl!);
  });
});

describe('stopping', () => {
  it('stop() terminates a running ffmpeg and resolves once its pid is gone', async () => {
    const src = new FfmpegFrameSource({
      cameraId: 'loop',
      input: { kind: 'file', path: clip3s, loop: true },
      output: { width: 160, height: 120, fps: 5 },
    });
    const frames = firstFrames(src, 1);
    src.start();
    const pid = src.pid!;
    await waitFor(() => frames.length >= 1, 'a first frame of the looped clip');
    expect(isAlive(pid)).toBe(true);
    const exit = await src.stop();
    expect(exit).toMatchObject({ requested: true, error: null });
    expect(isAlive(pid)).toBe(false);
    expect(src.running).toBe(false);
    expect(await src.stop()).toBe(exit); // idempotent
  });

  it('SIGKILLs an ffmpeg that ignores SIGTERM (blocked opening a FIFO nobody writes)', async () => {
    const fifo = join(tmp.dir, 'stalled.fifo');
    execFileSync('mkfifo', [fifo]);
    const src = new FfmpegFrameSource({
      cameraId: 'fifo',
      input: { kind: 'file', path: fifo, loop: false },
      output: { width: 160, height: 120, fps: 5 },
      stopGraceMs: 300,
    });
    src.start();
    const pid = src.pid!;
    // Before ffmpeg installs its signal handlers SIGTERM would simply kill it; wait until it sits
    // in the kernel's FIFO open (Linux reports that wait channel as wait_for_partner).
    await waitFor(() => readFileSync(`/proc/${pid}/wchan`, 'utf8') === 'wait_for_partner', 'ffmpeg blocked on the FIFO');
    const exit = await src.stop();
    expect(exit.signal).toBe('SIGKILL');
    expect(isAlive(pid)).toBe(false);
  });

  it('refuses to start twice and delivers nothing for a source stopped before start', async () => {
    const src = new FfmpegFrameSource({
      cameraId: 'x',
      input: { kind: 'file', path: clip3s, loop: false },
      output: { width: 160, height: 120, fps: 5 },
    });
    const seen = firstFrames(src, 1);
    const exit = await src.stop();
    expect(exit.requested).toBe(true);
    expect(seen).toEqual([]);
    expect(() => src.start()).toThrow(/start\(\) called twice/);
  });
});

/** The first `n` frames `src` emits, collected as they come (the array fills while the test waits). */
function firstFrames(src: FfmpegFrameSource, n: number): Frame[] {
  const seen: Frame[] = [];
  src.on('frame', (f) => {
    if (seen.length < n) seen.push(f);
  });
  return seen;
}
