/**
 * Frames from the agent's own FfmpegFrameSource, every one and in order, for tests that play a file
 * through the pipeline faster than real time.
 *
 * Why not `source.frames()`: that hand-off is latest-wins, built for live cameras, and a detector
 * slower than an unthrottled file decode would see only some frames. Here every frame in the asked
 * range is queued and handed over in order, so a run is the same every time and a tracker sees a
 * steady rate. Frames are re-stamped with media time (seq / fps): the source stamps them on
 * arrival, which for a file decoded faster than real time says nothing about the video.
 */
import { FfmpegFrameSource, type FfmpegInput } from '../../agent/decode/index.js';
import type { Frame } from '../../agent/shared/types.js';

/** Any fixed epoch: wall time only matters to schedules, and these tests use none. */
export const WALL_ORIGIN = Date.UTC(2026, 0, 1);

export interface OrderedFramesOptions {
  readonly cameraId: string;
  readonly input: Extract<FfmpegInput, { kind: 'file' }>;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** First frame index kept (ffmpeg's `fps` filter output, from 0). */
  readonly first: number;
  /** Frames before this index are kept; ffmpeg is stopped once it is reached. */
  readonly end: number;
}

/** Media time in seconds of a frame from `orderedFrames`. */
export function mediaTimeS(f: { ts: number }): number {
  return f.ts / 1000;
}

/**
 * Frames `first` … `end − 1`, in order, with `ts` = seq × 1000 / fps. Throws if ffmpeg ends early or
 * a frame is missing, so a test cannot pass on a short or gappy decode.
 */
export async function* orderedFrames(o: OrderedFramesOptions): AsyncGenerator<Frame, void, undefined> {
  if (!(Number.isInteger(o.first) && Number.isInteger(o.end) && o.first >= 0 && o.end > o.first)) {
    throw new Error(`frame range ${o.first}..${o.end} is empty or not whole frames`);
  }
  const frameMs = 1000 / o.fps;
  const source = new FfmpegFrameSource({
    cameraId: o.cameraId,
    input: { ...o.input, realtime: false },
    output: { width: o.width, height: o.height, fps: o.fps, format: 'rgb24' },
  });
  const queue: Frame[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  const nudge = (): void => {
    wake?.();
    wake = null;
  };
  source.on('frame', (f) => {
    if (f.seq < o.first || f.seq >= o.end) return;
    queue.push({ ...f, ts: f.seq * frameMs, wallTs: WALL_ORIGIN + f.seq * frameMs });
    // Decoding stops at the end of the range rather than running through the file (or forever, looped).
    if (f.seq === o.end - 1) void source.stop();
    nudge();
  });
  void source.exited.then(() => {
    ended = true;
    nudge();
  });
  source.start();
  try {
    let expected = o.first;
    while (expected < o.end) {
      const f = queue.shift();
      if (f === undefined) {
        if (ended) break;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (f.seq !== expected) throw new Error(`decode of ${o.input.path} skipped from frame ${expected} to ${f.seq}`);
      expected++;
      yield f;
    }
    if (expected < o.end) {
      const exit = await source.exited;
      const why = exit.error ? `${exit.error.kind}: ${exit.error.message}` : `exit code ${String(exit.code)}`;
      throw new Error(`ffmpeg gave frames ${o.first}..${expected - 1} of ${o.first}..${o.end - 1} from ${o.input.path} (${why})`);
    }
  } finally {
    await source.stop();
  }
}
