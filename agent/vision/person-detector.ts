/**
 * Finds people in a frame with the manifest's `person` model in onnxruntime-node.
 * One instance owns one session and one reusable input buffer; calls are serialised so the buffer is
 * never shared between two inferences in flight.
 *
 * The model (CenterNet, converted size-free) takes any input size in steps of its `multiple_of`: each frame is
 * fed at `fitInputSize` (scaled down to fit the manifest's input shape, never up, sides rounded up to the step), so a
 * 4:3 camera costs 512×384 instead of a letterboxed 512×512, and a region crop is looked at in its own pixels.
 * A model without `multiple_of` is fed at exactly its input shape.
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { Detections, Frame } from '../shared/types.js';
import type { ModelEntry } from './manifest.js';
import { ModelError } from './model-registry.js';
import { chooseModel, OnnxModel, openSession, type ModelChoice } from './onnx-model.js';
import { floatOutput, type ModelSession } from './onnx-session.js';
import { CENTERNET_STRIDE, decodeHeatmap } from './postprocess.js';
import { fitInputSize, letterbox, letterboxInto, MAX_FIT_ASPECT, type Letterbox } from './preprocess.js';

/** `model`: its name in models.json; default: the first model with role `person`. */
export interface PersonDetectorOptions extends ModelChoice {
  /** onnxruntime intra-op threads; default min(2, cores). */
  readonly threads?: number;
  /** Default: the model's `defaults.min_score` in models.json, else 0.4. */
  readonly minScore?: number;
  /** Run the session in its own worker thread (ort-worker.ts), so several detectors infer at once. Default false. */
  readonly worker?: boolean;
  /**
   * Longest side of the model input a picture is fed at (a multiple of the model's step, at most its input shape):
   * smaller is cheaper in proportion to the pixels, and people are smaller to the model (scores drop: see
   * agent/vision/README.md for the threshold that goes with each). Default: the model's input shape (512).
   */
  readonly inputSide?: number;
}

const PERSON_LABEL = 'person';
const FALLBACK_MIN_SCORE = 0.4;
const OUTPUTS = ['heatmap', 'wh'] as const;

export class PersonDetector extends OnnxModel {
  /** Letterbox (and so input size) by source size: cameras keep their size, so each is computed once. */
  private readonly letterboxes = new Map<string, Letterbox>();
  private readonly buffer: Float32Array;
  /** Input bounds for pictures up to 4:3 (the configured input side)… */
  private readonly maxHeight: number;
  private readonly maxWidth: number;
  /** …and for more elongated ones, which keep the model's whole square (see MAX_FIT_ASPECT). */
  private readonly fullHeight: number;
  private readonly fullWidth: number;

  private constructor(
    session: ModelSession,
    model: ModelEntry,
    readonly minScore: number,
    threads: number,
    private readonly inputName: string,
    /** Input size step; 0 for a fixed-size model. */
    private readonly multiple: number,
    side?: number,
  ) {
    super(session, model, threads, 'person detector');
    const [, h, w] = model.input.shape as [number, number, number, number];
    [this.fullHeight, this.fullWidth] = [h, w];
    this.maxHeight = Math.min(h, side ?? h);
    this.maxWidth = Math.min(w, side ?? w);
    this.buffer = new Float32Array(this.fullHeight * this.fullWidth * 3);
  }

  static async create(opts: PersonDetectorOptions): Promise<PersonDetector> {
    const entry = chooseModel(opts, PERSON_LABEL);
    const shape = entry.input.shape;
    if (entry.input.layout !== 'NHWC' || shape.length !== 4 || shape[0] !== 1 || shape[3] !== 3) {
      throw new ModelError(`model "${entry.name}": expected a [1,H,W,3] NHWC input, manifest says ${entry.input.layout} [${shape.join(',')}]`);
    }
    const names = entry.outputs.map((o) => o.name);
    if (OUTPUTS.some((n, i) => names[i] !== n)) {
      throw new ModelError(`model "${entry.name}": outputs must be ${OUTPUTS.join(', ')} (CenterNet centre heatmap and box sides), manifest says ${names.join(', ')}`);
    }
    const multiple = entry.input.multiple_of ?? 0;
    if (multiple > 0 && ((shape[1] as number) % multiple !== 0 || (shape[2] as number) % multiple !== 0 || multiple % CENTERNET_STRIDE !== 0)) {
      throw new ModelError(`model "${entry.name}": input [${shape.join(',')}] and multiple_of ${multiple} do not fit a stride-${CENTERNET_STRIDE} grid`);
    }
    const minScore = opts.minScore ?? entry.defaults?.min_score ?? FALLBACK_MIN_SCORE;
    if (!(minScore >= 0 && minScore <= 1)) throw new RangeError(`minScore must be within 0..1, got ${minScore}`);
    const side = opts.inputSide;
    if (side !== undefined && (multiple === 0 || !Number.isInteger(side) || side % multiple !== 0 || side < multiple || side > Math.min(shape[1] as number, shape[2] as number))) {
      throw new RangeError(`person input side must be a multiple of ${multiple || 'the model step'} up to ${Math.min(shape[1] as number, shape[2] as number)}, got ${side}`);
    }
    const threads = opts.threads ?? Math.min(2, availableParallelism());
    const session = await openSession(opts.registry, entry, threads, opts.worker ?? false);
    return new PersonDetector(session, entry, minScore, threads, entry.input.name, multiple, side);
  }

  /** The model input a frame of this size is fed at. */
  inputSize(width: number, height: number): { width: number; height: number } {
    const lb = this.letterboxFor(width, height);
    return { width: lb.dstWidth, height: lb.dstHeight };
  }

  /** Persons in `frame`, boxes in frame pixels, clipped to it, score ≥ minScore. */
  detect(frame: Frame): Promise<Detections> {
    return this.serialised(() => this.detectNow(frame));
  }

  /** How a picture of this size is fed: scaled into its input size (`fitInputSize`, or the fixed shape). */
  private letterboxFor(width: number, height: number): Letterbox {
    const key = `${width}x${height}`;
    let lb = this.letterboxes.get(key);
    if (!lb) {
      // A smaller input side is for pictures up to 4:3, where people fill the frame's height; a wider picture keeps
      // the model's whole square letterboxed, as the wide crowd photos needed (preprocess.ts, MAX_FIT_ASPECT).
      const wide = Math.max(width / height, height / width) > MAX_FIT_ASPECT + 1e-9;
      const [maxW, maxH] = wide ? [this.fullWidth, this.fullHeight] : [this.maxWidth, this.maxHeight];
      const size = this.multiple === 0 ? { width: maxW, height: maxH } : fitInputSize(width, height, maxW, maxH, this.multiple);
      // Bounded: a few sizes per camera (its frame, and region crops of a few sides).
      if (this.letterboxes.size > 256) this.letterboxes.clear();
      lb = letterbox(width, height, size.width, size.height);
      this.letterboxes.set(key, lb);
    }
    return lb;
  }

  private async detectNow(frame: Frame): Promise<Detections> {
    const lb = this.letterboxFor(frame.width, frame.height);
    const [w, h] = [lb.dstWidth, lb.dstHeight];
    const input = this.buffer.subarray(0, w * h * 3);
    letterboxInto(frame, lb, input);
    const feeds = { [this.inputName]: new ort.Tensor('float32', input, [1, h, w, 3]) };
    const result = await this.session.run(feeds, [...OUTPUTS]);
    const outputs = {
      heatmap: floatOutput(result, 'heatmap', this.model.name),
      wh: floatOutput(result, 'wh', this.model.name),
      gridH: h / CENTERNET_STRIDE,
      gridW: w / CENTERNET_STRIDE,
    };
    const items = decodeHeatmap(outputs, lb, { minScore: this.minScore, label: PERSON_LABEL });
    return {
      cameraId: frame.cameraId,
      frameSeq: frame.seq,
      ts: frame.ts,
      wallTs: frame.wallTs,
      width: frame.width,
      height: frame.height,
      items,
    };
  }
}
