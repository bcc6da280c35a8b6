/**
 * Finds faces with the manifest's `face` model, MediaPipe BlazeFace "back", made size-free by `npm run models`
 * (scripts/models/blazeface-size-free.ts; at 256×256 it gives the original's outputs exactly):
 *
 * - `detect(frame, region)`: inside a region of a frame (the head end of a person box). The region is cut out as a
 *   square and scaled to the model's 256×256 input, so a head that is 40 px in the frame is several times larger for
 *   the model, which misses faces under about 16 input pixels.
 * - `search(picture)`: anywhere in a whole picture, at the zooms of `faceSearchPlan` (face-search.ts), one model pass
 *   per zoom: the privacy check every snapshot passes.
 *
 * One session; calls are serialised.
 */
import { Tensor } from 'onnxruntime-node';
import type { Box, Frame } from '../shared/types.js';
import { boxShrinkInto, cropResizeInto, squareAround, type PixelNormalisation } from './crop-resize.js';
import { anchorCount, BLAZEFACE_BACK_LAYERS, BLAZEFACE_ROW, decodeFaces, weightedNms, type AnchorLayer, type RawFace } from './face-decode.js';
import { FACE_SEARCH, faceSearchPlan, type SearchWindow } from './face-search.js';
import type { ModelEntry } from './manifest.js';
import { ModelError, squareNhwcInputSize } from './model-registry.js';
import { chooseModel, OnnxModel, openSession, type ModelChoice } from './onnx-model.js';
import { floatOutput, type ModelSession } from './onnx-session.js';

export interface Face {
  /** Frame pixels, clipped to the frame. */
  readonly box: Box;
  readonly score: number;
  /** Right eye, left eye, nose tip, mouth, right ear, left ear (subject's sides), frame pixels. */
  readonly keypoints: readonly (readonly [number, number])[];
}

/** `model`: its name in models.json; default: the first model with role `face`. */
export interface FaceDetectorOptions extends ModelChoice {
  /** Default 1: each call is a small 256×256 model, and cameras' person detection needs the other cores. */
  readonly threads?: number;
  /** Default: the manifest's `defaults.min_score`, else 0.5. */
  readonly minScore?: number;
  /** Default 0.3 (MediaPipe's). */
  readonly iouThreshold?: number;
}

const FACE_ROLE = 'face';
/** BlazeFace's training normalisation: RGB mapped to [−1, 1]. */
const NORM: PixelNormalisation = { scale: 1 / 127.5, offset: -1 };

export class FaceDetector extends OnnxModel {
  private readonly input: Float32Array;

  private constructor(
    session: ModelSession,
    model: ModelEntry,
    readonly inputSize: number,
    readonly minScore: number,
    readonly iouThreshold: number,
    threads: number,
    private readonly scoreNames: readonly string[],
    private readonly boxNames: readonly string[],
    private readonly layers: readonly AnchorLayer[],
    /** The manifest says the model takes any multiple of 32 (the size-free derivation): `search` needs it. */
    private readonly sizeFree: boolean,
  ) {
    super(session, model, threads, 'face detector');
    this.input = new Float32Array(inputSize * inputSize * 3);
  }

  static async create(opts: FaceDetectorOptions): Promise<FaceDetector> {
    const entry = chooseModel(opts, FACE_ROLE);
    const h = squareNhwcInputSize(entry);
    const layers = BLAZEFACE_BACK_LAYERS;
    // Outputs as the manifest lists them: one score head per anchor layer, then one box head per layer.
    const want = [...layers.map((l) => [1, anchorCount(l, h, h), 1]), ...layers.map((l) => [1, anchorCount(l, h, h), BLAZEFACE_ROW])];
    const got = entry.outputs.map((o) => o.shape.join(','));
    if (got.length !== want.length || want.some((s, i) => s.join(',') !== got[i])) {
      throw new ModelError(`model "${entry.name}": outputs must be shaped ${want.map((s) => `[${s.join(',')}]`).join(' ')}, manifest says ${got.map((s) => `[${s}]`).join(' ')}`);
    }
    const minScore = opts.minScore ?? entry.defaults?.min_score ?? 0.5;
    if (!(minScore > 0 && minScore < 1)) throw new RangeError(`face minScore must be between 0 and 1 (exclusive), got ${minScore}`);
    const iouThreshold = opts.iouThreshold ?? 0.3;
    if (!(iouThreshold > 0 && iouThreshold <= 1)) throw new RangeError(`face iouThreshold must be within (0, 1], got ${iouThreshold}`);
    const threads = opts.threads ?? 1;
    const session = await openSession(opts.registry, entry, threads);
    const names = entry.outputs.map((o) => o.name);
    const sizeFree = entry.input.multiple_of === FACE_SEARCH.multiple;
    return new FaceDetector(session, entry, h, minScore, iouThreshold, threads, names.slice(0, layers.length), names.slice(layers.length), layers, sizeFree);
  }

  /**
   * Faces inside `region` of `frame` (the region is widened to a square around its centre so faces
   * keep their shape; parts past the frame edge are black). Best first.
   */
  detect(frame: Frame, region: Box): Promise<Face[]> {
    return this.serialised(() => this.detectNow(frame, region));
  }

  /**
   * Every face in the whole picture, picture pixels, best first: BlazeFace run over the picture at each zoom of
   * `faceSearchPlan` from `topZoom` down (one pass per level, or overlapping windows for a large one; padding black),
   * faces of all passes merged by weighted NMS. Needs the size-free model; a fixed-size one is refused (ModelError).
   */
  search(picture: Frame, topZoom: number = FACE_SEARCH.topZoom): Promise<Face[]> {
    if (!this.sizeFree) {
      return Promise.reject(
        new ModelError(`model "${this.model.name}" takes only ${this.inputSize}x${this.inputSize} (no multiple_of ${FACE_SEARCH.multiple} in models.json); a whole-picture search needs the size-free model \`npm run models\` builds`),
      );
    }
    return this.serialised(() => this.searchNow(picture, topZoom));
  }

  private async detectNow(frame: Frame, region: Box): Promise<Face[]> {
    const sq = squareAround(region);
    const size = this.inputSize;
    cropResizeInto(frame, sq, size, size, this.input, NORM, 0);
    const raw = await this.run(this.input, size, size);
    const k = (sq.x2 - sq.x1) / size;
    return toFrame(raw, frame, sq.x1, sq.y1, k);
  }

  private async searchNow(picture: Frame, topZoom: number): Promise<Face[]> {
    const found: RawFace[] = [];
    for (const level of faceSearchPlan(picture.width, picture.height, topZoom)) {
      for (const win of level.windows) {
        const input = new Float32Array(win.width * win.height * 3);
        fillWindow(picture, level.zoom, win, input);
        const k = 1 / level.zoom;
        for (const f of await this.run(input, win.width, win.height)) found.push(scaleFace(f, win.x, win.y, k));
      }
    }
    return toFrame(weightedNms(found, this.iouThreshold), picture, 0, 0, 1);
  }

  /** One model pass over an NHWC input of `width` × `height`; faces in input pixels. */
  private async run(input: Float32Array, width: number, height: number): Promise<RawFace[]> {
    const feeds = { [this.model.input.name]: new Tensor('float32', input, [1, height, width, 3]) };
    const result = await this.session.run(feeds);
    const name = this.model.name;
    return decodeFaces(
      this.scoreNames.map((n) => floatOutput(result, n, name)),
      this.boxNames.map((n) => floatOutput(result, n, name)),
      this.layers,
      { inputWidth: width, inputHeight: height, minScore: this.minScore, iouThreshold: this.iouThreshold },
    );
  }
}

/** A window of a zoomed picture: bilinear at ×1 and above, an area average when the zoom shrinks it by a whole number. */
function fillWindow(picture: Frame, zoom: number, win: SearchWindow, out: Float32Array): void {
  const shrink = 1 / zoom;
  if (zoom < 1 && Number.isInteger(shrink)) {
    boxShrinkInto(picture, shrink, win.x, win.y, win.width, win.height, out, NORM, 0);
    return;
  }
  const region = { x1: win.x / zoom, y1: win.y / zoom, x2: (win.x + win.width) / zoom, y2: (win.y + win.height) / zoom };
  cropResizeInto(picture, region, win.width, win.height, out, NORM, 0);
}

/** `f` from a window's input pixels to picture pixels: (window origin + x) × k. */
function scaleFace(f: RawFace, ox: number, oy: number, k: number): RawFace {
  const fx = (x: number) => (ox + x) * k;
  const fy = (y: number) => (oy + y) * k;
  return {
    box: { x1: fx(f.box.x1), y1: fy(f.box.y1), x2: fx(f.box.x2), y2: fy(f.box.y2) },
    score: f.score,
    keypoints: f.keypoints.map(([x, y]) => [fx(x), fy(y)] as const),
  };
}

/** Faces in input pixels → frame pixels (origin + x × k), clipped to the frame; empty boxes dropped. */
function toFrame(raw: readonly RawFace[], frame: Frame, ox: number, oy: number, k: number): Face[] {
  const fx = (x: number) => ox + x * k;
  const fy = (y: number) => oy + y * k;
  const faces: Face[] = [];
  for (const f of raw) {
    const box = {
      x1: Math.max(0, fx(f.box.x1)),
      y1: Math.max(0, fy(f.box.y1)),
      x2: Math.min(frame.width, fx(f.box.x2)),
      y2: Math.min(frame.height, fy(f.box.y2)),
    };
    if (!(box.x2 > box.x1) || !(box.y2 > box.y1)) continue;
    faces.push({ box, score: f.score, keypoints: f.keypoints.map(([x, y]) => [fx(x), fy(y)] as const) });
  }
  return faces;
}
