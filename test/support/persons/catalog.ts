/**
 * The labelled person scenes and how to load them: vtest.avi's empty floor (median of 41 frames spread over the
 * clip) and the pedestrians of sprites.ts, pasted along the paths below. Coordinates are vtest's 768×576 frame; the
 * counting line is y = 300 (the middle of the road), crossed downwards when the feet go from above it to below.
 */
import { readFileSync } from 'node:fs';
import type { Frame } from '../../../agent/shared/types.js';
import { readVideoFrames, VTEST_AVI } from '../video-frames.js';
import { medianBackground } from './background.js';
import { SceneRenderer, type Scene } from './scenes.js';
import { cutSprite, SPRITE_SOURCES, type Sprite } from './sprites.js';

const LINE_Y = 300;

export const SCENES = {
  /** Crossings both ways, two walkers passing each other (one hides the other), one person standing the whole clip. */
  crossings: {
    name: 'crossings',
    frames: 150,
    fps: 5,
    lineY: LINE_Y,
    period: 0,
    walkers: [
      { sprite: 0, path: [[0, 120, 220], [70, 200, 430]] },
      { sprite: 1, path: [[20, 560, 470], [100, 470, 210]] },
      { sprite: 2, path: [[50, 120, 250], [140, 660, 250]] },
      { sprite: 3, path: [[50, 660, 262], [140, 120, 262]] },
      { sprite: 4, path: [[80, 330, 190], [149, 380, 440]] },
      { sprite: 6, path: [[0, 700, 430], [149, 701, 430]] }, // standing still for all 30 s
    ],
  },
  /** Five people gather within a few metres, stand together for 14 s, and leave. */
  crowd: {
    name: 'crowd',
    frames: 150,
    fps: 5,
    lineY: LINE_Y,
    period: 0,
    walkers: [
      { sprite: 0, path: [[0, 150, 460], [40, 400, 360], [110, 402, 360], [149, 200, 500]] },
      { sprite: 1, path: [[0, 700, 440], [40, 450, 350], [110, 451, 351], [149, 700, 470]] },
      { sprite: 2, path: [[0, 420, 200], [40, 430, 320], [110, 431, 320], [149, 440, 200]] },
      { sprite: 4, path: [[5, 250, 260], [45, 380, 330], [110, 380, 331], [149, 250, 250]] },
      { sprite: 5, path: [[10, 600, 260], [50, 470, 330], [110, 471, 330], [149, 620, 240]] },
    ],
  },
  /** A quiet corridor: one person crosses for 5 s of every 20 s (present a quarter of the time). */
  quiet: {
    name: 'quiet',
    frames: 300,
    fps: 5,
    lineY: LINE_Y,
    period: 100,
    walkers: [{ sprite: 1, path: [[0, 120, 260], [24, 400, 420]] }],
  },
} as const satisfies Record<string, Scene>;

export type SceneName = keyof typeof SCENES;

/** Background frame indices: every 19th frame of vtest.avi's 795. */
const BACKGROUND_FRAMES = Array.from({ length: 41 }, (_, i) => i * 19);

export interface PersonMedia {
  readonly width: number;
  readonly height: number;
  readonly background: Buffer;
  readonly sprites: readonly Sprite[];
  renderer(scene: SceneName, cameraId?: string, seed?: number): SceneRenderer;
}

/** Reads vtest.avi (about 2 s of ffmpeg and median work) and cuts the sprites. */
export async function loadPersonMedia(): Promise<PersonMedia> {
  const wanted = [...new Set([...BACKGROUND_FRAMES, ...SPRITE_SOURCES.map((s) => s.frame)])].sort((a, b) => a - b);
  const video = await readVideoFrames(VTEST_AVI, wanted);
  const frameAt = (n: number): Frame => ({
    cameraId: 'vtest',
    seq: n,
    ts: 0,
    wallTs: 0,
    width: video.width,
    height: video.height,
    format: 'rgb24',
    pixels: video.frames[wanted.indexOf(n)] as Buffer,
  });
  const background = medianBackground(BACKGROUND_FRAMES.map(frameAt));
  const sprites = SPRITE_SOURCES.map((s) => cutSprite(frameAt(s.frame), background, s.box));
  const size = { width: video.width, height: video.height };
  return {
    ...size,
    background,
    sprites,
    renderer: (scene, cameraId, seed) => new SceneRenderer(SCENES[scene], background, sprites, size, cameraId, seed),
  };
}

export interface LabelledFrame {
  readonly frame: Frame;
  readonly truth: readonly { readonly box: { x1: number; y1: number; x2: number; y2: number }; readonly ignore: boolean }[];
}

/** The hand-labelled vtest.avi frames (vtest-labels.json says how they were made). */
export async function loadVtestLabels(): Promise<LabelledFrame[]> {
  const file = JSON.parse(readFileSync(new URL('./vtest-labels.json', import.meta.url), 'utf8')) as {
    frames: Record<string, { persons: number[][]; ignore: number[][] }>;
  };
  const indices = Object.keys(file.frames).map(Number).sort((a, b) => a - b);
  const video = await readVideoFrames(VTEST_AVI, indices);
  const box = (b: number[]) => ({ x1: b[0] as number, y1: b[1] as number, x2: b[2] as number, y2: b[3] as number });
  return indices.map((n, i) => {
    const l = file.frames[String(n)] as { persons: number[][]; ignore: number[][] };
    return {
      frame: { cameraId: 'vtest', seq: n, ts: n * 100, wallTs: 0, width: video.width, height: video.height, format: 'rgb24', pixels: video.frames[i] as Buffer },
      truth: [...l.persons.map((b) => ({ box: box(b), ignore: false })), ...l.ignore.map((b) => ({ box: box(b), ignore: true }))],
    };
  });
}
