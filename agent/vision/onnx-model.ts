/**
 * What the vision stage's models (person detector, face detector, mask classifier) share, in one place: picking the
 * manifest entry, opening its session with checked threads, serialising calls (each model owns reusable input
 * buffers) and closing. Each model keeps only its own input checks, preprocessing and decoding.
 */
import type { ModelEntry } from './manifest.js';
import type { ModelRegistry } from './model-registry.js';
import { checkThreads, createSession, sessionOptions, type ModelSession } from './onnx-session.js';
import { WorkerSession } from './ort-worker.js';
import { SerialRunner } from './serial-runner.js';

/** Which model of models.json: by name, else the first with the model class's role. */
export interface ModelChoice {
  readonly registry: ModelRegistry;
  readonly model?: string;
}

export function chooseModel(choice: ModelChoice, role: string): ModelEntry {
  return choice.model !== undefined ? choice.registry.get(choice.model) : choice.registry.forRole(role);
}

/**
 * The session of a verified model file; a bad thread count fails before the file is read. `worker`: in its own worker
 * thread (ort-worker.ts), so several such sessions run at once.
 */
export async function openSession(registry: ModelRegistry, entry: ModelEntry, threads: number, worker = false): Promise<ModelSession> {
  checkThreads(threads);
  const model = await registry.load(entry.name);
  if (worker) return WorkerSession.create(model.bytes, sessionOptions(threads), `model "${entry.name}"`);
  const session = await createSession(model, threads);
  return {
    run: (feeds, outputs) => (outputs ? session.run(feeds, [...outputs]) : session.run(feeds)),
    release: () => session.release(),
  };
}

/** One onnxruntime session, one inference at a time; `close()` lets calls already made finish, then frees it. */
export abstract class OnnxModel {
  private readonly serial: SerialRunner;

  protected constructor(
    protected readonly session: ModelSession,
    readonly model: ModelEntry,
    readonly threads: number,
    /** What it is, for the error a call after close gets, e.g. `face detector`. */
    what: string,
  ) {
    this.serial = new SerialRunner(`${what} (${model.name})`, () => session.release());
  }

  /** Times its worker thread was started again after one died (0 for a session on the calling thread). */
  get restarts(): number {
    return this.session.restarts ?? 0;
  }

  /** Runs `fn` after the calls made before it (they share the input buffers); rejected once closed. */
  protected serialised<T>(fn: () => Promise<T>): Promise<T> {
    return this.serial.run(fn);
  }

  /** Lets calls already made finish, then frees the session; later calls are rejected. */
  close(): Promise<void> {
    return this.serial.close();
  }
}
