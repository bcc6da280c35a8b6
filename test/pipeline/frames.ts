// Synthetic camera frames and person detections for the wiring tests in test/app/.
import type { Detection, Detections, Frame } from '../../agent/shared/types.js';

export const W = 640;
export const H = 480;
export const FPS = 5;
export const WALL0 = Date.UTC(2026, 0, 1, 8, 0, 0);

/** A mid-gray RGB frame with a darker block where the person stands, so crops and blurs have something to work on. */
export function frame(seq: number, cameraId = 'hall'): Frame {
  const pixels = Buffer.alloc(W * H * 3, 128);
  for (let y = 250; y < 400; y++) pixels.fill(40, (y * W + 455) * 3, (y * W + 505) * 3);
  const ts = Math.round((seq * 1000) / FPS);
  return { cameraId, seq, ts, wallTs: WALL0 + ts, width: W, height: H, format: 'rgb24', pixels };
}

/** A person standing with their feet at (480, 400): inside the right half of the picture. */
export const STANDING: Detection = { box: { x1: 455, y1: 250, x2: 505, y2: 400 }, score: 0.9, cls: 'person' };

/** What the person detector would say about `f`. */
export function found(f: Frame, items: readonly Detection[] = [STANDING]): Detections {
  return { cameraId: f.cameraId, frameSeq: f.seq, ts: f.ts, wallTs: f.wallTs, width: f.width, height: f.height, items };
}

/** The right half of the picture as a no-entry zone. */
export const RIGHT_HALF = {
  id: 'staff-only',
  polygon: [
    [320, 0],
    [640, 0],
    [640, 480],
    [320, 480],
  ] as [number, number][],
  intrusion: true,
};
