import type { Box } from '../shared/types.js';

/**
 * Constant-velocity estimate of one track's box: an alpha-beta filter on the box centre (position
 * and velocity, in px per detect frame) and plain exponential smoothing on width and height.
 *
 * Why not a full Kalman filter: with one box per frame and fixed gains an alpha-beta filter is the
 * steady-state Kalman filter for this model, is a dozen lines, and has no covariance to tune. Size
 * gets no velocity because people walking towards the camera change size slowly and a size velocity
 * makes a lost track's predicted box balloon or collapse.
 */
export class BoxFilter {
  private cx: number;
  private cy: number;
  private w: number;
  private h: number;
  private vx = 0;
  private vy = 0;
  private corrections = 0;

  constructor(
    box: Box,
    private readonly alpha = 0.6,
    private readonly beta = 0.5,
  ) {
    this.cx = (box.x1 + box.x2) / 2;
    this.cy = (box.y1 + box.y2) / 2;
    this.w = box.x2 - box.x1;
    this.h = box.y2 - box.y1;
  }

  /** Move the estimate `frames` detect frames ahead (more than one when frames were dropped). */
  predict(frames: number): void {
    this.cx += this.vx * frames;
    this.cy += this.vy * frames;
  }

  /**
   * Blend in a measured box. `frames` is how many frames passed since the previous measurement, so
   * the velocity stays per-frame even across a detector miss or dropped frames.
   */
  correct(box: Box, frames: number): void {
    const mx = (box.x1 + box.x2) / 2;
    const my = (box.y1 + box.y2) / 2;
    const dt = Math.max(1, frames);
    if (this.corrections === 0) {
      // Second sighting: take the velocity straight from the two measurements. Starting from zero
      // would take several frames to converge, and at 2 fps a walking person has left the
      // predicted box by then.
      // (Velocity is still zero here, so predict() has not moved the centre off the first box.)
      this.vx = (mx - this.cx) / dt;
      this.vy = (my - this.cy) / dt;
      this.cx = mx;
      this.cy = my;
    } else {
      const rx = mx - this.cx;
      const ry = my - this.cy;
      this.cx += this.alpha * rx;
      this.cy += this.alpha * ry;
      this.vx += (this.beta / dt) * rx;
      this.vy += (this.beta / dt) * ry;
    }
    this.w += this.alpha * (box.x2 - box.x1 - this.w);
    this.h += this.alpha * (box.y2 - box.y1 - this.h);
    this.corrections++;
  }

  box(): Box {
    return {
      x1: this.cx - this.w / 2,
      y1: this.cy - this.h / 2,
      x2: this.cx + this.w / 2,
      y2: this.cy + this.h / 2,
    };
  }

  centre(): { x: number; y: number } {
    return { x: this.cx, y: this.cy };
  }

  height(): number {
    return this.h;
  }
}
