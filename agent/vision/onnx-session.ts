/**
 * One place that turns verified model bytes into an onnxruntime session, so every model in the
 * vision stage runs with the same settings: a fixed number of intra-op threads (the scheduler shares
 * one session per model across cameras, so threads are set from the core count, not per camera) and
 * only warnings that matter in the log.
 */
import { availableParallelism } from 'node:os';
import * as ort from 'onnxruntime-node';
import type { LoadedModel } from './model-registry.js';
import { disableOrtTelemetry } from './ort-env.js';

/**
 * Intra-op threads for a model: all cores up to 4 (beyond that, small models gain little and
 * leave no core for decoding). Small per-crop models (faces, masks) are given 1 by their callers.
 */
export function defaultThreads(cores: number = availableParallelism()): number {
  return Math.max(1, Math.min(4, Math.floor(cores)));
}

export function checkThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  return threads;
}

/**
 * What the vision models need of a session: onnxruntime's own (`createSession`), or one in a worker thread
 * (`ort-worker.ts`, for the person detector).
 */
export interface ModelSession {
  run(feeds: Record<string, ort.Tensor>, outputs?: readonly string[]): Promise<Readonly<Record<string, { readonly data: unknown }>>>;
  release(): Promise<void>;
  /** Worker threads started again after one died (a session in a worker only). */
  readonly restarts?: number;
}

export function createSession(model: LoadedModel, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(model.bytes, sessionOptions(threads));
}

/**
 * The settings every model's session runs with, wherever it runs. Both paths to a session (here and the worker
 * threads) come through this on the main thread first, so onnxruntime's telemetry is switched off before it starts.
 */
export function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  disableOrtTelemetry();
  return {
    intraOpNumThreads: checkThreads(threads),
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    // 3 = errors only: third-party graphs carry unused initializers that onnxruntime warns about on every load.
    logSeverityLevel: 3,
    // Idle intra-op threads sleep instead of spinning. The agent shares its cores with ffmpeg decoders;
    // measured on a busy 2-core machine, CenterNet at 2 threads took 155–177 ms per frame spinning and
    // 81–85 ms not spinning (1 thread: 80–88 ms).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/** The named float32 output of a run, or an error naming the model and the output. */
export function floatOutput(result: Readonly<Record<string, { readonly data: unknown }>>, name: string, model: string): Float32Array {
  const t = result[name];
  if (!t || !(t.data instanceof Float32Array)) throw new Error(`model "${model}" returned no float32 output "${name}"`);
  return t.data;
}
