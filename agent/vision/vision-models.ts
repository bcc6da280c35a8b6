/**
 * Opens the vision stage's models once for the whole agent, shared by every camera. The person detector is one
 * single-threaded session per core (up to 4), used as a pool under the scheduler's `maxInFlight`: measured on the
 * 2-core box (capacity bench, busy vtest cameras), two 1-thread sessions carried 8 cameras with nothing dropped at
 * 13.8 % CPU each, where one 2-thread session carried 6 at 20–23 % (CenterNet's layers split badly across threads,
 * and a woken thread costs more than it saves). Face and mask calls, on small crops, get one session of one thread
 * each, serialised per model.
 */
import { availableParallelism } from 'node:os';
import { FaceDetector } from './face-detector.js';
import { MaskClassifier } from './mask-classifier.js';
import type { ModelRegistry } from './model-registry.js';
import { defaultThreads } from './onnx-session.js';
import { PersonDetector } from './person-detector.js';

export interface VisionModels {
  /** The first person session: what the model is, and its input sizing. */
  readonly person: PersonDetector;
  /** Every person session (`person` first): a `DetectorPool` of them when there are more than one. */
  readonly personSessions: readonly PersonDetector[];
  /** Null when opened with `attributes: false`. */
  readonly face: FaceDetector | null;
  readonly mask: MaskClassifier | null;
  close(): Promise<void>;
}

export interface OpenVisionModelsOptions {
  readonly registry: ModelRegistry;
  /** Person detector threshold; default the manifest's. */
  readonly personMinScore?: number;
  /** Longest side of the person model's input; default the model's. */
  readonly personInputSide?: number;
  /** Default: the machine's. */
  readonly cores?: number;
  /** Open the face and mask models too (needed for the no_mask rule). Default true. */
  readonly attributes?: boolean;
}

export async function openVisionModels(opts: OpenVisionModelsOptions): Promise<VisionModels> {
  const sessions = defaultThreads(opts.cores ?? availableParallelism());
  const personSessions: PersonDetector[] = [];
  let face: FaceDetector | null = null;
  let mask: MaskClassifier | null = null;
  const closeAll = () => Promise.all([...personSessions.map((p) => p.close()), face?.close(), mask?.close()]);
  try {
    for (let i = 0; i < sessions; i++) {
      personSessions.push(
        await PersonDetector.create({
          registry: opts.registry,
          threads: 1,
          // onnxruntime-node runs inference on the calling thread: more than one session only helps in workers.
          worker: sessions > 1,
          ...(opts.personMinScore !== undefined ? { minScore: opts.personMinScore } : {}),
          ...(opts.personInputSide !== undefined ? { inputSide: opts.personInputSide } : {}),
        }),
      );
    }
    if (opts.attributes !== false) {
      face = await FaceDetector.create({ registry: opts.registry, threads: 1 });
      mask = await MaskClassifier.create({ registry: opts.registry, threads: 1 });
    }
  } catch (e) {
    await closeAll();
    throw e;
  }
  return {
    person: personSessions[0] as PersonDetector,
    personSessions,
    face,
    mask,
    close: async () => {
      await closeAll();
    },
  };
}
