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
import { fitInputSize, letterbox, letterboxInto, type Letterbox } from './preprocess.js';

/** `model`: its name in models.json; default: the first model with role `person`. */
export interface PersonDetectorOptions extends ModelChoice {
  /** onnxruntime intra-op threads; default min(2, cores). */
  readonly threads?: number;
  /** Default: the model's `defaults.min_score` in models.json, else 0.4. */
  readonly minScore?: number;
  /** Run the session in its own worker thread (ort-worker.ts), so several detectors infer at once. Default false. */
  readonly worker?: boolean;
}

const PERSON_LABEL = 'person';
const FALLBACK_MIN_SCORE = 0.4;
const OUTPUTS = ['heatmap', 'wh'] as const;

export class PersonDetector extends OnnxModel {
  /** Letterbox (and so input size) by source size: cameras keep their size, so each is computed once. */
  private readonly letterboxes = new Map<string, Letterbox>();
  private readonly buffer: Float32Array;
  private readonly maxHeight: number;
  private readonly maxWidth: number;

  private constructor(
    session: ModelSession,
    model: ModelEntry,
    readonly minScore: number,
    threads: number,
    private readonly inputName: string,
    /** Input size step; 0 for a fixed-size model. */
    private readonly multiple: number,
  ) {
    super(session, model, threads, 'person detector');
    [, this.maxHeight, this.maxWidth] = model.input.shape as [number, number, number, number];
    this.buffer = new Float32Array(this.maxHeight * this.maxWidth * 3);
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
    const threads = opts.threads ?? Math.min(2, availableParallelism());
    const session = await openSession(opts.registry, entry, threads, opts.worker ?? false);
    return new PersonDetector(session, entry, minScore, threads, entry.input.name, multiple);
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
      const size = this.multiple === 0 ? { width: this.maxWidth, height: this.maxHeight } : fitInputSize(width, height, this.maxWidth, this.maxHeight, this.multiple);
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
