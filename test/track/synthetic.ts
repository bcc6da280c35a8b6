// Builders for synthetic tracker input: people as boxes that move in straight lines.
import type { Detection, Detections } from '../../agent/shared/types.js';

export const CAM = 'cam-test';

/** A person box from its bottom-centre (feet) and height; width is a third of the height. */
export function person(cx: number, bottom: number, score = 0.9, h = 150, cls = 'person'): Detection {
  const w = h / 3;
  return { box: { x1: cx - w / 2, y1: bottom - h, x2: cx + w / 2, y2: bottom }, score, cls };
}

/** One frame at `fps`; `ts` follows the frame index so time-based settings see real durations. */
export function frame(seq: number, fps: number, items: Detection[], cameraId = CAM): Detections {
  const ts = Math.round((seq * 1000) / fps);
  return { cameraId, frameSeq: seq, ts, wallTs: 1_767_225_600_000 + ts, width: 1280, height: 720, items };
}
