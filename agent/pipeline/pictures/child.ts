/**
 * The snapshot worker's process entry. Lowers its own CPU priority before anything else is loaded, so every thread it
 * starts later (onnxruntime, libvips, libuv's pool) inherits it: the cameras' detection always comes first, pictures
 * use what is left. Then loads the face model and serves jobs one at a time.
 */
import { setPriority } from 'node:os';

/** nice 10: under full load the worker gets about a tenth of a core's share against the agent's threads. */
export const PICTURE_WORKER_NICE = 10;

try {
  setPriority(PICTURE_WORKER_NICE);
} catch {
  // Never fatal: a container may forbid it; the queue's bound still keeps the work finite.
}
await import('./child-main.js');
