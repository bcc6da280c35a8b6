/**
 * Finds faces inside a region of a frame (the head end of a person box) with the manifest's `face`
 * model, MediaPipe BlazeFace "back". The region is cut out as a square and scaled to the model's
 * 256×256 input, so a head that is 40 px in the frame is several times larger for the model, which
 * misses faces under about 20 input pixels. One session and one input buffer; calls are serialised.
 */
import { Tensor } from 'onnxruntime-node';
import type { Box, Frame } from '../shared/types.js';
import { cropResizeInto, squareAround, type PixelNormalisation } from './crop-resize.js';
import { BLAZEFACE_BACK_LAYERS, BLAZEFACE_ROW, decodeFaces, type AnchorLayer } from './face-decode.js';
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
  ) {
    super(session, model, threads, 'face detector');
    this.input = new Float32Array(inputSize * inputSize * 3);
  }

  static async create(opts: FaceDetectorOptions): Promise<FaceDetector> {
    const entry = chooseModel(opts, FACE_ROLE);
    const h = squareNhwcInputSize(entry);
    const layers = BLAZEFACE_BACK_LAYERS;
    // Outputs as the manifest lists them: one score head per anchor layer, then one box head per layer.
    const want = [...layers.map((l) => [1, l.cells * l.cells * l.perCell, 1]), ...layers.map((l) => [1, l.cells * l.cells * l.perCell, BLAZEFACE_ROW])];
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
    return new FaceDetector(session, entry, h, minScore, iouThreshold, threads, names.slice(0, layers.length), names.slice(layers.length), layers);
  }

  /**
   * Faces inside `region` of `frame` (the region is widened to a square around its centre so faces
   * keep their shape; parts past the frame edge are black). Best first.
   */
  detect(frame: Frame, region: Box): Promise<Face[]> {
    return this.serialised(() => this.detectNow(frame, region));
  }

  private async detectNow(frame: Frame, region: Box): Promise<Face[]> {
    const sq = squareAround(region);
    const size = this.inputSize;
    cropResizeInto(frame, sq, size, size, this.input, NORM, 0);
    const feeds = { [this.model.input.name]: new Tensor('float32', this.input, [1, size, size, 3]) };
    const result = await this.session.run(feeds);
    const name = this.model.name;
    const raw = decodeFaces(
      this.scoreNames.map((n) => floatOutput(result, n, name)),
      this.boxNames.map((n) => floatOutput(result, n, name)),
      this.layers,
      { inputSize: size, minScore: this.minScore, iouThreshold: this.iouThreshold },
    );
    const k = (sq.x2 - sq.x1) / size;
    const fx = (x: number) => sq.x1 + x * k;
    const fy = (y: number) => sq.y1 + y * k;
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
}
