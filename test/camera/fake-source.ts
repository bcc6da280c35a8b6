/**
 * A frame source the test controls completely: it emits the frames and exits it is told to. For
 * supervisor logic that real ffmpeg cannot drive deterministically (a flood of frames at one
 * instant, thousands of failures in a simulated day); the real-process paths have their own tests.
 */
import { EventEmitter } from 'node:events';
import type { FrameSourceLike } from '../../agent/camera/index.js';
import type { FfmpegErrorKind, FrameSourceExit, FrameSourceOptions } from '../../agent/decode/index.js';
import type { Frame } from '../../agent/shared/types.js';

export class FakeSource extends EventEmitter<{ frame: [Frame] }> implements FrameSourceLike {
  readonly exited: Promise<FrameSourceExit>;
  stopped = false;
  started = false;
  private resolveExit!: (e: FrameSourceExit) => void;
  private frames = 0;
  private done = false;

  constructor(
    readonly opts: FrameSourceOptions,
    readonly pid: number | undefined = undefined,
  ) {
    super();
    this.exited = new Promise((r) => (this.resolveExit = r));
  }

  start(): void {
    this.started = true;
  }

  /** Emit one frame of `w×h` gray-ish pixels; `fill` varies the picture. */
  frame(fill = this.frames): void {
    const { width, height } = this.opts.output;
    const pixels = Buffer.alloc(width * height * 3, fill & 0xff);
    this.emit('frame', {
      cameraId: this.opts.cameraId,
      seq: this.frames++,
      ts: 0,
      wallTs: 0,
      width,
      height,
      format: 'rgb24',
      pixels,
    });
  }

  /** End the run as ffmpeg would: with a classified error, or cleanly (null). */
  fail(kind: FfmpegErrorKind | null, message = `fake ${kind ?? 'end'}`): void {
    this.end({ requested: false, error: kind ? { kind, message, detail: null } : null, code: kind ? 1 : 0 });
  }

  stop(): Promise<FrameSourceExit> {
    this.stopped = true;
    this.end({ requested: true, error: null, code: null, signal: 'SIGTERM' });
    return this.exited;
  }

  private end(e: Pick<FrameSourceExit, 'requested' | 'error' | 'code'> & { signal?: NodeJS.Signals }): void {
    if (this.done) return;
    this.done = true;
    this.resolveExit({ ...e, signal: e.signal ?? null, frames: this.frames, stderr: [] });
  }
}

/** A `createSource` that records every source it makes. */
export function fakeFactory(): { create: (o: FrameSourceOptions) => FakeSource; made: FakeSource[]; last: () => FakeSource } {
  const made: FakeSource[] = [];
  return {
    made,
    create: (o) => {
      const s = new FakeSource(o);
      made.push(s);
      return s;
    },
    last: () => {
      const s = made.at(-1);
      if (!s) throw new Error('no source was created yet');
      return s;
    },
  };
}

/** Let promise callbacks (the supervisor's `exited.then`) run. */
export const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
