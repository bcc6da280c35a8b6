/**
 * Scenes made from vtest.avi's empty floor and real pedestrians pasted along scripted paths: the truth (every
 * person's box in every frame, and every crossing of the counting line) is known by construction. Frames are made on
 * demand and deterministically (fixed paths, seeded sensor noise), so a test and the bench see the same pictures.
 */
import type { Box, Frame } from '../../../agent/shared/types.js';
import type { Sprite } from './sprites.js';

/** Keyframes (frame index, x of the feet, y of the feet); positions between them are interpolated. */
export type PathPoint = readonly [t: number, x: number, footY: number];

export interface Walker {
  /** Index into the sprite list. */
  readonly sprite: number;
  readonly path: readonly PathPoint[];
}

export interface Scene {
  readonly name: string;
  readonly frames: number;
  readonly fps: number;
  readonly walkers: readonly Walker[];
  /** y of a horizontal counting line (feet crossing it count), for the crossing oracle. */
  readonly lineY: number;
  /** Walkers come back every `period` frames (the quiet corridor); 0: the paths run once. */
  readonly period: number;
}

export interface TruthBox {
  readonly box: Box;
  /** Walker index: the identity a tracker should keep. */
  readonly id: number;
  /** Less than half visible (hidden behind someone nearer): neither a miss nor a false alarm either way. */
  readonly ignore: boolean;
}

export interface SceneFrame {
  readonly frame: Frame;
  readonly truth: readonly TruthBox[];
}

/** Person height in pixels for feet at `footY` in vtest's view, fitted on the detector's boxes of the sprite frames. */
export function personHeightAt(footY: number): number {
  return Math.max(20, 34 + 0.248 * (footY - 91));
}

/** Where a walker's feet are at frame `t`, or null when it is not in the picture. */
export function positionAt(w: Walker, t: number): { x: number; footY: number } | null {
  const p = w.path;
  const first = p[0];
  const last = p[p.length - 1];
  if (!first || !last || t < first[0] || t > last[0]) return null;
  for (let i = 1; i < p.length; i++) {
    const a = p[i - 1] as PathPoint;
    const b = p[i] as PathPoint;
    if (t <= b[0]) {
      const k = b[0] === a[0] ? 1 : (t - a[0]) / (b[0] - a[0]);
      return { x: a[1] + k * (b[1] - a[1]), footY: a[2] + k * (b[2] - a[2]) };
    }
  }
  return { x: last[1], footY: last[2] };
}

/** Crossings of the scene's line over its frames: feet going down (away from the top of the picture) and up. */
export function expectedCrossings(scene: Scene): { down: number; up: number } {
  let down = 0;
  let up = 0;
  for (const w of scene.walkers) {
    for (let i = 1; i < w.path.length; i++) {
      const a = (w.path[i - 1] as PathPoint)[2];
      const b = (w.path[i] as PathPoint)[2];
      if (a < scene.lineY && b >= scene.lineY) down++;
      if (a >= scene.lineY && b < scene.lineY) up++;
    }
  }
  const laps = scene.period > 0 ? Math.ceil(scene.frames / scene.period) : 1;
  return { down: down * laps, up: up * laps };
}

export class SceneRenderer {
  constructor(
    readonly scene: Scene,
    private readonly background: Buffer,
    private readonly sprites: readonly Sprite[],
    private readonly size: { readonly width: number; readonly height: number },
    private readonly cameraId = scene.name,
    private readonly seed = 1,
  ) {
    if (background.length !== size.width * size.height * 3) throw new Error(`scene ${scene.name}: background is not ${size.width}x${size.height} rgb24`);
    for (const w of scene.walkers) if (!sprites[w.sprite]) throw new Error(`scene ${scene.name}: no sprite ${w.sprite}`);
  }

  /** Frame `t` (0-based) at the scene's fps, with the truth boxes of the persons in it. */
  render(t: number): SceneFrame {
    const { width: W, height: H } = this.size;
    const px = Buffer.from(this.background);
    addNoise(px, this.seed * 100_003 + t);
    const local = this.scene.period > 0 ? t % this.scene.period : t;
    const placed = this.scene.walkers
      .map((w, id) => ({ w, id, at: positionAt(w, local) }))
      .filter((p): p is { w: Walker; id: number; at: { x: number; footY: number } } => p.at !== null)
      .sort((a, b) => a.at.footY - b.at.footY); // farther (higher in the picture) first: nearer people hide them
    const owner = new Int16Array(W * H).fill(-1);
    const drawn: { id: number; box: Box; pixels: number[] }[] = [];
    for (const p of placed) {
      const s = this.sprites[p.w.sprite] as Sprite;
      const scale = personHeightAt(p.at.footY) / (s.box.y2 - s.box.y1);
      const ox = p.at.x - ((s.box.x1 + s.box.x2) / 2) * scale;
      const oy = p.at.footY - s.box.y2 * scale;
      const pixels = paste(px, owner, drawn.length, s, scale, ox, oy, W, H);
      const box = clip({ x1: ox + s.box.x1 * scale, y1: oy + s.box.y1 * scale, x2: ox + s.box.x2 * scale, y2: oy + s.box.y2 * scale }, W, H);
      drawn.push({ id: p.id, box, pixels });
    }
    const truth = drawn
      .map((d, me) => {
        const visible = d.pixels.filter((i) => owner[i] === me).length;
        return { box: d.box, id: d.id, ignore: d.pixels.length === 0 || visible / d.pixels.length < 0.5 };
      })
      .filter((d) => d.box.x2 - d.box.x1 >= 4 && d.box.y2 - d.box.y1 >= 8);
    const ts = Math.round((t * 1000) / this.scene.fps);
    return { frame: { cameraId: this.cameraId, seq: t, ts, wallTs: 1_767_225_600_000 + ts, width: W, height: H, format: 'rgb24', pixels: px }, truth };
  }
}

/** Alpha-blends the scaled sprite (nearest neighbour) into `px`; returns the frame pixels it owns (alpha ≥ 50 %). */
function paste(px: Buffer, owner: Int16Array, me: number, s: Sprite, scale: number, ox: number, oy: number, W: number, H: number): number[] {
  const mine: number[] = [];
  const x0 = Math.max(0, Math.floor(ox));
  const y0 = Math.max(0, Math.floor(oy));
  const x1 = Math.min(W, Math.ceil(ox + s.width * scale));
  const y1 = Math.min(H, Math.ceil(oy + s.height * scale));
  for (let y = y0; y < y1; y++) {
    const sy = Math.min(s.height - 1, Math.max(0, Math.floor((y - oy) / scale)));
    for (let x = x0; x < x1; x++) {
      const sx = Math.min(s.width - 1, Math.max(0, Math.floor((x - ox) / scale)));
      const a = s.alpha[sy * s.width + sx] as number;
      if (a === 0) continue;
      const d = (y * W + x) * 3;
      const o = (sy * s.width + sx) * 3;
      for (let c = 0; c < 3; c++) px[d + c] = Math.round(((s.rgb[o + c] as number) * a + (px[d + c] as number) * (255 - a)) / 255);
      if (a >= 128) {
        owner[y * W + x] = me;
        mine.push(y * W + x);
      }
    }
  }
  return mine;
}

/** Sensor noise of ±3 levels, the same for the same seed. */
function addNoise(px: Buffer, seed: number): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < px.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    px[i] = Math.max(0, Math.min(255, (px[i] as number) + ((s >>> 24) % 7) - 3));
  }
}

function clip(b: Box, W: number, H: number): Box {
  return { x1: Math.max(0, b.x1), y1: Math.max(0, b.y1), x2: Math.min(W, b.x2), y2: Math.min(H, b.y2) };
}
