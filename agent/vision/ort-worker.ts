/**
 * An onnxruntime session in a worker thread. onnxruntime-node runs `session.run` on the calling JS thread, so two
 * sessions in one thread never run at once: measured here, a pool of two 1-thread sessions gave 40 frames/s at 100 %
 * CPU, exactly one session's. Each person session therefore lives in its own worker: N workers run N inferences at
 * once, and the main thread keeps the decoding, tracking and rules.
 *
 * The worker's code is a small CommonJS string (evaluated, so it runs the same from sources under tsx/vitest and from
 * the built package) that loads the same onnxruntime-node the agent resolved. A worker that dies fails the run in
 * progress with the reason (nothing waits forever) and is started again for the next run (`restarts`).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import type { ModelSession } from './onnx-session.js';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let session = null;
parentPort.on('message', async (m) => {
  try {
    if (m.kind === 'open') {
      session = await ort.InferenceSession.create(m.bytes, m.options);
      parentPort.postMessage({ id: m.id, ok: true });
    } else if (m.kind === 'run') {
      const feeds = {};
      for (const [k, t] of Object.entries(m.feeds)) feeds[k] = new ort.Tensor(t.type, t.data, t.dims);
      const r = await session.run(feeds, m.outputs);
      const out = {};
      const moved = [];
      for (const [k, t] of Object.entries(r)) {
        out[k] = { type: t.type, data: t.data, dims: t.dims };
        // Moved, not copied: the outputs are this run's own arrays (a whole-buffer view of each).
        if (t.data && t.data.buffer && t.data.byteOffset === 0 && t.data.byteLength === t.data.buffer.byteLength) moved.push(t.data.buffer);
      }
      parentPort.postMessage({ id: m.id, ok: true, out }, moved);
    } else if (m.kind === 'release') {
      if (session) await session.release();
      session = null;
      parentPort.postMessage({ id: m.id, ok: true });
    }
  } catch (e) {
    parentPort.postMessage({ id: m.id, ok: false, error: String((e && e.message) || e) });
  }
});
`;

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly out?: Record<string, { type: string; data: unknown; dims: readonly number[] }>;
}

export class WorkerSession implements ModelSession {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  /** Why the current worker is gone (null while it lives). */
  private dead: Error | null = null;
  private released = false;
  private worker: Worker;
  private opening: Promise<unknown> | null = null;
  /** Workers started again after one died (a native crash, an out-of-memory kill of the thread). */
  restarts = 0;

  private constructor(
    private readonly bytes: Uint8Array,
    private readonly options: ort.InferenceSession.SessionOptions,
    private readonly what: string,
  ) {
    this.worker = this.spawn();
  }

  /** A session of `modelBytes` with these options in a new worker thread. */
  static async create(modelBytes: Uint8Array, options: ort.InferenceSession.SessionOptions, what: string): Promise<WorkerSession> {
    const s = new WorkerSession(modelBytes, options, what);
    try {
      await s.open();
    } catch (e) {
      await s.release();
      throw e;
    }
    return s;
  }

  async run(feeds: Record<string, ort.Tensor>, outputs?: readonly string[]): Promise<Readonly<Record<string, { readonly data: unknown }>>> {
    // A worker that died is started again for this run: the run it was doing failed with the reason, later ones go on.
    if (this.dead && !this.released) {
      this.restarts++;
      this.dead = null;
      this.worker = this.spawn();
      this.opening = null;
    }
    if (!this.opening) this.opening = this.open();
    await this.opening;
    // Tensors do not cross threads; their type, data and dims do. The data is copied once into an array of exactly its
    // size and that array is moved to the worker: a structured clone of a view would serialise its whole buffer
    // (the detector's input buffer is sized for the largest input: 3 MB for a 1 MB input) and copy it twice.
    const moved: ArrayBuffer[] = [];
    const plain = Object.fromEntries(
      Object.entries(feeds).map(([k, t]) => {
        const data = isTypedArray(t.data) ? t.data.slice() : t.data;
        if (isTypedArray(data)) moved.push(data.buffer);
        return [k, { type: t.type, data, dims: t.dims }];
      }),
    );
    const reply = await this.call({ kind: 'run', feeds: plain, outputs: outputs ? [...outputs] : undefined }, moved);
    return reply.out ?? {};
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (!this.dead) await this.call({ kind: 'release' }).catch(() => undefined);
    this.dead ??= new Error(`${this.what}: released`);
    await this.worker.terminate();
  }

  private open(): Promise<Reply> {
    const opened = this.call({ kind: 'open', bytes: this.bytes, options: this.options });
    this.opening = opened;
    return opened;
  }

  private spawn(): Worker {
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath } });
    worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r);
      else p.reject(new Error(`${this.what}: ${r.error ?? 'failed'}`));
    });
    const fail = (e: Error) => {
      if (worker !== this.worker) return; // an earlier worker's last words
      this.dead ??= e;
      for (const p of this.pending.values()) p.reject(this.dead);
      this.pending.clear();
    };
    worker.on('error', (e) => fail(new Error(`${this.what}: its worker thread failed: ${e.message}`)));
    worker.on('exit', (code) => fail(new Error(`${this.what}: its worker thread stopped (exit code ${code})`)));
    return worker;
  }

  private call(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id }, transfer);
    });
  }
}

function isTypedArray(x: unknown): x is Float32Array | Uint8Array | Int32Array | Float64Array | BigInt64Array {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}
