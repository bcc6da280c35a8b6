/**
 * How a whole picture is searched for faces with the size-free BlazeFace (FaceDetector.search): the picture at a few
 * zooms, each in one model pass (or a few overlapping windows when it is very large), instead of hundreds of 256×256
 * tiles. The numbers are measured (agent/vision/README.md, "Searching a whole picture for faces"):
 *
 * - BlazeFace finds a face from about 16 to at least 192 model pixels wide (face-api samples and the masked-crowd
 *   photos downscaled: 31 of 35 faces at 24 px, all at 112–192 px);
 * - faces of 6–10 picture pixels (vtest.avi's are 5–8) are found best at ×1.5–×2.5 and no better above that; at ×2,
 *   10 of 83 faces scaled to 6 px, 29 of 83 at 8 px, 43 at 10 px; at ×1 none at 6 px, 3 at 8 px. So the top zoom is ×2:
 *   a face BlazeFace can find at all in a picture is found there.
 * - Each further level is a quarter of the zoom (×0.5, ×0.125, …; a 12× band per level, so they overlap), added while
 *   the level above could not see a face as large as the picture's shorter side. It costs 1/16 of the level above.
 */

export const FACE_SEARCH = {
  /** Zoom of the first level: picture pixels → model pixels. */
  topZoom: 2,
  /**
   * The first level's zoom for whole camera frames shown live (dashboard previews): ×1 finds faces from ~12 px (at
   * 8 px 3 of 83 where ×2 finds 29) at a quarter of the cost, and a whole 768×576 frame at ×2 is 6 windows a search
   * (~0.6 s here), every 2 s for each camera a guard watches. Before the size-free search, previews were searched at
   * ×0.89 (tiles of 288 px), faces from ~18 px.
   */
  previewTopZoom: 1,
  /** Each further level's zoom is the one above divided by this. */
  levelStep: 4,
  /** Widest face (model pixels) BlazeFace still finds; a level is added while this / zoom < the shorter side. */
  largestFacePx: 192,
  /** Model input sides are multiples of this (the size-free model's five stride-2 layers). */
  multiple: 32,
  /**
   * A level wider or taller than this (model pixels) runs in overlapping windows: onnxruntime's arena keeps the
   * largest run's activations for the session's life, measured +16 MB RSS after 256×256 runs, +112 MB at 768×768,
   * +265 MB at 1024×1024, +410 MB at 1536×1152 (a whole 768×576 frame at ×2 in one run).
   */
  maxWindowPx: 768,
  /** Windows overlap by this much (model pixels): more than the widest face, so each lies wholly in one. */
  windowOverlapPx: 256,
} as const;

/** One model run: a window of a level's zoomed picture, in that level's model pixels (multiples of 32). */
export interface SearchWindow {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface SearchLevel {
  /** Model pixels per picture pixel. */
  readonly zoom: number;
  /** The zoomed picture padded to multiples of 32 (the padding is black). */
  readonly width: number;
  readonly height: number;
  readonly windows: readonly SearchWindow[];
}

/** The levels and windows that search a `width` × `height` picture, the first at `topZoom`. */
export function faceSearchPlan(width: number, height: number, topZoom: number = FACE_SEARCH.topZoom): SearchLevel[] {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`face search: picture size ${width}x${height} is not a picture`);
  }
  if (!(topZoom > 0 && topZoom <= 8)) throw new RangeError(`face search: top zoom must be above 0 and at most 8, got ${topZoom}`);
  const levels: SearchLevel[] = [];
  for (let zoom = topZoom; ; zoom /= FACE_SEARCH.levelStep) {
    const w = roundUp(width * zoom);
    const h = roundUp(height * zoom);
    levels.push({ zoom, width: w, height: h, windows: windowsOf(w, h) });
    if (FACE_SEARCH.largestFacePx / zoom >= Math.min(width, height)) return levels;
  }
}

/** Model-input pixels a plan runs (one 256×256 run = 65,536). */
export function planPixels(levels: readonly SearchLevel[]): number {
  return levels.reduce((n, l) => n + l.windows.reduce((m, w) => m + w.width * w.height, 0), 0);
}

function roundUp(v: number): number {
  return Math.max(FACE_SEARCH.multiple, Math.ceil(v / FACE_SEARCH.multiple) * FACE_SEARCH.multiple);
}

function windowsOf(w: number, h: number): SearchWindow[] {
  const xs = spans(w);
  const ys = spans(h);
  return ys.flatMap(([y, height]) => xs.map(([x, width]) => ({ x, y, width, height })));
}

/** [start, length] pieces of a side: one when it fits a window, else windows overlapping by windowOverlapPx. */
function spans(side: number): [number, number][] {
  const max = FACE_SEARCH.maxWindowPx;
  if (side <= max) return [[0, side]];
  const step = max - FACE_SEARCH.windowOverlapPx;
  const out: [number, number][] = [];
  for (let start = 0; ; start += step) {
    const end = Math.min(side, start + max);
    // The last window is moved back to end at the edge, full size (still on the 32 px grid: all sides are multiples).
    const s = end === side ? Math.max(0, side - max) : start;
    out.push([s, end - s]);
    if (end === side) return out;
  }
}
