/**
 * Says whether a face wears a mask, with the manifest's `mask` model (trained by this project:
 * scripts/mask/train-mask.ts, see models.json for how and on what). Input is a square crop around a
 * BlazeFace box, cut exactly as in training by `maskCropInto`; output is P(no mask).
 */
import { Tensor } from 'onnxruntime-node';
import type { Box, Frame } from '../shared/types.js';
import { cropResizeInto, squareAround } from './crop-resize.js';
import type { ModelEntry } from './manifest.js';
import { ModelError, squareNhwcInputSize } from './model-registry.js';
import { chooseModel, OnnxModel, openSession, type ModelChoice } from './onnx-model.js';
import { floatOutput, type ModelSession } from './onnx-session.js';

/**
 * The crop is a square 1.2× the face box's longer side: BlazeFace boxes run from the brows to the
 * chin, and a mask's edges and straps lie just outside that. Training used the same value.
 */
export const MASK_CROP_GROW = 1.2;

/** `model`: its name in models.json; default: the first model with role `mask`. */
export interface MaskClassifierOptions extends ModelChoice {
  /** Default 1: a face crop is a small input, and person detection needs the other cores. */
  readonly threads?: number;
}

const MASK_ROLE = 'mask';

/**
 * Writes the classifier's input for the face in `faceBox` (frame pixels) into `out`
 * (size × size × 3 floats, raw 0–255 RGB: the graph does its own normalisation).
 */
export function maskCropInto(frame: Frame, faceBox: Box, size: number, out: Float32Array): void {
  cropResizeInto(frame, squareAround(faceBox, MASK_CROP_GROW), size, size, out);
}

export class MaskClassifier extends OnnxModel {
  private readonly input: Float32Array;

  private constructor(
    session: ModelSession,
    model: ModelEntry,
    readonly inputSize: number,
    threads: number,
    private readonly outputName: string,
  ) {
    super(session, model, threads, 'mask classifier');
    this.input = new Float32Array(inputSize * inputSize * 3);
  }

  static async create(opts: MaskClassifierOptions): Promise<MaskClassifier> {
    const entry = chooseModel(opts, MASK_ROLE);
    const h = squareNhwcInputSize(entry);
    const out = entry.outputs[0];
    if (!out || out.shape.reduce((a, b) => a * b, 1) !== 1) {
      throw new ModelError(`model "${entry.name}": first output must be a single probability ([1,1]), manifest says [${out?.shape.join(',') ?? ''}]`);
    }
    const threads = opts.threads ?? 1;
    const session = await openSession(opts.registry, entry, threads);
    return new MaskClassifier(session, entry, h, threads, out.name);
  }

  /** P(no mask) for the face in `faceBox` (frame pixels, e.g. a FaceDetector box). */
  classify(frame: Frame, faceBox: Box): Promise<number> {
    return this.serialised(() => this.classifyNow(frame, faceBox));
  }

  private async classifyNow(frame: Frame, faceBox: Box): Promise<number> {
    const s = this.inputSize;
    maskCropInto(frame, faceBox, s, this.input);
    const result = await this.session.run({ [this.model.input.name]: new Tensor('float32', this.input, [1, s, s, 3]) });
    const p = floatOutput(result, this.outputName, this.model.name)[0];
    if (p === undefined || !(p >= 0 && p <= 1)) throw new Error(`model "${this.model.name}" returned ${String(p)}, not a probability`);
    return p;
  }
}
