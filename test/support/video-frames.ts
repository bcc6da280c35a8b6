/**
 * Decodes chosen frames of a video file to packed rgb24 with the system ffmpeg. Used by the model
 * verification, the detector benchmark and the vision tests (real decoder, real recordings).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Real recordings shipped by Debian's `opencv-doc`: pedestrians in a mall, and a tree with no people. */
export const OPENCV_DATA = '/usr/share/doc/opencv-doc/examples/data';
export const VTEST_AVI = `${OPENCV_DATA}/vtest.avi`;
export const TREE_AVI = `${OPENCV_DATA}/tree.avi`;

export interface RawFrames {
  readonly width: number;
  readonly height: number;
  /** One tightly packed rgb24 buffer per requested index, in request order. */
  readonly frames: readonly Buffer[];
}

export function requireSampleVideo(path: string): string {
  if (!existsSync(path)) {
    throw new Error(`sample video ${path} is missing; install the Debian package opencv-doc (apt-get install opencv-doc)`);
  }
  return path;
}

/** Width and height of the first video stream, via ffprobe. */
export async function probeSize(path: string): Promise<{ width: number; height: number }> {
  const out = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', path]);
  const [w, h] = out.toString('utf8').trim().split(',').map(Number);
  if (!w || !h) throw new Error(`ffprobe could not read the frame size of ${path}`);
  return { width: w, height: h };
}

/**
 * Frames at the given 0-based indices (ascending, distinct), at the video's own size.
 * ffmpeg's select filter keeps exactly those frames; passthrough timing stops it duplicating or dropping any.
 */
export async function readVideoFrames(path: string, indices: readonly number[]): Promise<RawFrames> {
  requireSampleVideo(path);
  if (indices.length === 0) throw new Error('readVideoFrames: no frame indices given');
  if (indices.some((n, i) => !Number.isInteger(n) || n < 0 || (i > 0 && n <= (indices[i - 1] as number)))) {
    throw new Error(`readVideoFrames: indices must be ascending distinct non-negative integers, got [${indices.join(',')}]`);
  }
  const { width, height } = await probeSize(path);
  const select = indices.map((n) => `eq(n\\,${n})`).join('+');
  const raw = await run('ffmpeg', [
    ...['-nostdin', '-v', 'error', '-i', path],
    ...['-vf', `select=${select}`, '-fps_mode', 'passthrough'],
    ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
  ]);
  const size = width * height * 3;
  if (raw.length !== size * indices.length) {
    throw new Error(`ffmpeg gave ${raw.length / size} of ${indices.length} frames from ${path} (does it have frame ${indices.at(-1)}?)`);
  }
  const frames = indices.map((_, i) => Buffer.from(raw.subarray(i * size, (i + 1) * size)));
  return { width, height, frames };
}

function run(cmd: string, args: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', (e) => reject(new Error(`could not run ${cmd}: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${cmd} exited with ${code}: ${err.trim().slice(-500)}`));
    });
  });
}
