/**
 * Test media made on the fly with the system ffmpeg (lavfi sources, no recordings of people):
 * `testsrc` is a moving pattern with a frame counter, `color` a constant picture.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const VTEST = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `qmon-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ClipSpec {
  seconds: number;
  width?: number;
  height?: number;
  rate?: number;
  /** `testsrc` (changes every frame) or `color` (never changes). */
  source?: 'testsrc' | 'color';
  /** Keyframe interval in frames (x264 default otherwise); RTSP clients joining mid-loop need short ones. */
  gop?: number;
}

/** An H.264 MP4 made from a lavfi source. */
export function makeClip(path: string, spec: ClipSpec): string {
  const size = `${spec.width ?? 320}x${spec.height ?? 240}`;
  const rate = spec.rate ?? 25;
  const src = spec.source === 'color' ? `color=c=gray:size=${size}:rate=${rate}` : `testsrc=size=${size}:rate=${rate}`;
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', src, '-t', String(spec.seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', ...(spec.gop ? ['-g', String(spec.gop)] : []),
    '-pix_fmt', 'yuv420p', path,
  ]);
  return path;
}

/** True while a process with this pid exists (and is not yet reaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Poll until `cond` holds; for waiting on a real child process, never for asserting durations. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
