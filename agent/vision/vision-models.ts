/**
 * Opens the vision stage's models once for the whole agent: one onnxruntime session per model,
 * shared by every camera (the scheduler takes turns on the person detector; face and mask calls
 * are serialised per model). The person detector gets the intra-op threads the core count allows;
 * the face and mask models, which run on small crops, get one thread each.
 */
import { availableParallelism } from 'node:os';
import { FaceDetector } from './face-detector.js';
import { MaskClassifier } from './mask-classifier.js';
import type { ModelRegistry } from './model-registry.js';
import { defaultThreads } from './onnx-session.js';
import { PersonDetector } from './person-detector.js';

export interface VisionModels {
  readonly person: PersonDetector;
  /** Null when opened with `attributes: false`. */
  readonly face: FaceDetector | null;
  readonly mask: MaskClassifier | null;
  close(): Promise<void>;
}

export interface OpenVisionModelsOptions {
  readonly registry: ModelRegistry;
  /** Person detector threshold; default the manifest's. */
  readonly personMinScore?: number;
  /** Default: the machine's. */
  readonly cores?: number;
  /** Open the face and mask models too (needed for the no_mask rule). Default true. */
  readonly attributes?: boolean;
}

export async function openVisionModels(opts: OpenVisionModelsOptions): Promise<VisionModels> {
  const threads = defaultThreads(opts.cores ?? availableParallelism());
  const person = await PersonDetector.create({
    registry: opts.registry,
    threads,
    ...(opts.personMinScore !== undefined ? { minScore: opts.personMinScore } : {}),
  });
  let face: FaceDetector | null = null;
  let mask: MaskClassifier | null = null;
  try {
    if (opts.attributes !== false) {
      face = await FaceDetector.create({ registry: opts.registry, threads: 1 });
      mask = await MaskClassifier.create({ registry: opts.registry, threads: 1 });
    }
  } catch (e) {
    await Promise.all([person.close(), face?.close()]);
    throw e;
  }
  return {
    person,
    face,
    mask,
    close: async () => {
      await Promise.all([person.close(), face?.close(), mask?.close()]);
    },
  };
}
