/**
 * Finds people in a frame with the manifest's `person` model in onnxruntime-node.
 * One instance owns one session and one reusable input buffer; calls are serialised so the buffer is
 * never shared between two inferences in flight.
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { Detections, Frame } from '../shared/types.js';
import type { ModelEntry } from './manifest.js';
import { ModelError } from './model-registry.js';
import { chooseModel, OnnxModel, openSession, type ModelChoice } from './onnx-model.js';
import { floatOutput } from './onnx-session.js';
import { decodeDetections } from './postprocess.js';
import { letterbox, letterboxInto, type Letterbox } from './preprocess.js';

/** `model`: its name in models.json; default: the first model with role `person`. */
export interface PersonDetectorOptions extends ModelChoice {
  /** onnxruntime intra-op threads; default min(2, cores). */
  readonly threads?: number;
  /** Default: the model's `defaults.min_score` in models.json, else 0.4. */
  readonly minScore?: number;
}

const PERSON_LABEL = 'person';
const FALLBACK_MIN_SCORE = 0.4;

export class PersonDetector extends OnnxModel {
  private lb: Letterbox | null = null;
  private readonly input: Float32Array;

  private constructor(
    session: ort.InferenceSession,
    model: ModelEntry,
    readonly minScore: number,
    threads: number,
    private readonly inputName: string,
    private readonly outputName: string,
    private readonly inputShape: readonly [number, number, number, number],
    private readonly classIndex: number,
  ) {
    super(session, model, threads, 'person detector');
    this.input = new Float32Array(inputShape[1] * inputShape[2] * inputShape[3]);
  }

  static async create(opts: PersonDetectorOptions): Promise<PersonDetector> {
    const entry = chooseModel(opts, PERSON_LABEL);
    const shape = entry.input.shape;
    if (entry.input.layout !== 'NHWC' || shape.length !== 4 || shape[0] !== 1 || shape[3] !== 3) {
      throw new ModelError(`model "${entry.name}": expected a [1,H,W,3] NHWC input, manifest says ${entry.input.layout} [${shape.join(',')}]`);
    }
    const output = entry.outputs[0];
    if (!output || output.shape.at(-1) !== 6) {
      throw new ModelError(`model "${entry.name}": first output must be [..,6] rows (x1,y1,x2,y2,score,class)`);
    }
    const classIndex = entry.classes[PERSON_LABEL];
    if (classIndex === undefined) throw new ModelError(`model "${entry.name}": manifest has no "${PERSON_LABEL}" class`);
    const minScore = opts.minScore ?? entry.defaults?.min_score ?? FALLBACK_MIN_SCORE;
    if (!(minScore >= 0 && minScore <= 1)) throw new RangeError(`minScore must be within 0..1, got ${minScore}`);
    const threads = opts.threads ?? Math.min(2, availableParallelism());
    const session = await openSession(opts.registry, entry, threads);
    return new PersonDetector(session, entry, minScore, threads, entry.input.name, output.name, shape as [number, number, number, number], classIndex);
  }

  /** Persons in `frame`, boxes in frame pixels, clipped to it, score ≥ minScore. */
  detect(frame: Frame): Promise<Detections> {
    return this.serialised(() => this.detectNow(frame));
  }

  private async detectNow(frame: Frame): Promise<Detections> {
    const [, h, w] = this.inputShape;
    // Cameras keep their size, so the letterbox is normally computed once per detector.
    if (!this.lb || this.lb.srcWidth !== frame.width || this.lb.srcHeight !== frame.height) {
      this.lb = letterbox(frame.width, frame.height, w, h);
    }
    const lb = this.lb;
    letterboxInto(frame, lb, this.input);
    const feeds = { [this.inputName]: new ort.Tensor('float32', this.input, [...this.inputShape]) };
    const result = await this.session.run(feeds, [this.outputName]);
    const raw = floatOutput(result, this.outputName, this.model.name);
    const items = decodeDetections(raw, lb, { minScore: this.minScore, classIndex: this.classIndex, label: PERSON_LABEL });
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
