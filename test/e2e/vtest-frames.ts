/**
 * OpenCV's vtest.avi (768x576, 10 fps, 795 frames of pedestrians; Debian `opencv-doc`) decoded by
 * the agent's FfmpegFrameSource at the demo camera's 5 detect-fps, every frame in order (see
 * ordered-frames.ts), for the real-video proofs of tracking and line crossing.
 */
import type { Frame } from '../../agent/shared/types.js';
import { requireSampleVideo, VTEST_AVI } from '../support/video-frames.js';
import { mediaTimeS, orderedFrames } from './ordered-frames.js';

export { VTEST_AVI };

/** ffmpeg's `fps=5` on this 10 fps clip keeps source frames 0, 2, 4, … exactly (checked against a full decode). */
export const VTEST_DETECT_FPS = 5;
export const VTEST_WIDTH = 768;
export const VTEST_HEIGHT = 576;

export interface VtestStretch {
  readonly cameraId: string;
  /** First frame kept: the one at this video time (seconds, a multiple of 0.2). */
  readonly fromS: number;
  /** Frames before this video time (seconds) are kept. */
  readonly toS: number;
}

/** Video time in seconds of a frame from `vtestFrames`. */
export const videoTimeS = mediaTimeS;

/** Every frame of vtest.avi from `fromS` up to (not including) `toS` at 5 fps, in order. */
export function vtestFrames(stretch: VtestStretch): AsyncGenerator<Frame, void, undefined> {
  requireSampleVideo(VTEST_AVI);
  return orderedFrames({
    cameraId: stretch.cameraId,
    input: { kind: 'file', path: VTEST_AVI, loop: false },
    width: VTEST_WIDTH,
    height: VTEST_HEIGHT,
    fps: VTEST_DETECT_FPS,
    first: Math.round(stretch.fromS * VTEST_DETECT_FPS),
    end: Math.round(stretch.toS * VTEST_DETECT_FPS),
  });
}
