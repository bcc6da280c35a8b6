/**
 * The person session in a worker thread (agent/vision/ort-worker.ts): the same numbers as onnxruntime in this thread,
 * and a worker that dies or a model that does not load is an error naming the model, never a hang.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../agent/vision/index.js';
import { sessionOptions } from '../../agent/vision/onnx-session.js';
import { WorkerSession } from '../../agent/vision/ort-worker.js';

describe('WorkerSession', () => {
  it('runs the person model in a worker with the same results as in this thread', async () => {
    const model = await ModelRegistry.open().load('centernet');
    const local = await ort.InferenceSession.create(model.bytes, sessionOptions(1));
    const worker = await WorkerSession.create(model.bytes, sessionOptions(1), 'model "centernet"');
    try {
      const data = Float32Array.from({ length: 320 * 320 * 3 }, (_, i) => (i * 31) % 256);
      const feeds = { images: new ort.Tensor('float32', data, [1, 320, 320, 3]) };
      const [a, b] = await Promise.all([local.run(feeds, ['heatmap', 'wh']), worker.run(feeds, ['heatmap', 'wh'])]);
      for (const name of ['heatmap', 'wh']) {
        const x = a[name]?.data as Float32Array;
        const y = b[name]?.data as Float32Array;
        expect(y).toBeInstanceOf(Float32Array);
        expect(y.length).toBe(x.length);
        expect(Buffer.from(y.buffer, y.byteOffset, y.byteLength).equals(Buffer.from(x.buffer, x.byteOffset, x.byteLength))).toBe(true);
      }
    } finally {
      await Promise.all([local.release(), worker.release()]);
    }
    // Released: a run says so instead of waiting, and no worker is started again.
    await expect(worker.run({}, ['heatmap'])).rejects.toThrow(/model "centernet": released/);
    expect(worker.restarts).toBe(0);
  }, 60_000);

  it('a worker that dies fails the run it was doing with the reason, and the next run gets a new one', async () => {
    const model = await ModelRegistry.open().load('centernet');
    const worker = await WorkerSession.create(model.bytes, sessionOptions(1), 'model "centernet"');
    const feeds = { images: new ort.Tensor('float32', new Float32Array(64 * 64 * 3), [1, 64, 64, 3]) };
    try {
      const running = worker.run(feeds, ['heatmap']);
      // As a native crash would: the thread is gone mid-run (white-box: the test reaches the private worker).
      void (worker as unknown as { worker: import('node:worker_threads').Worker }).worker.terminate();
      await expect(running).rejects.toThrow(/model "centernet": its worker thread stopped/);
      const again = await worker.run(feeds, ['heatmap']);
      expect((again.heatmap?.data as Float32Array).length).toBe(16 * 16);
      expect(worker.restarts).toBe(1);
    } finally {
      await worker.release();
    }
  }, 60_000);

  it('a model that does not load is an error naming it, and its worker is gone', async () => {
    await expect(WorkerSession.create(new Uint8Array([1, 2, 3, 4]), sessionOptions(1), 'model "broken"')).rejects.toThrow(/^model "broken": /);
  });

  it('a bad run is an error of that run only; the session keeps working', async () => {
    const model = await ModelRegistry.open().load('centernet');
    const worker = await WorkerSession.create(model.bytes, sessionOptions(1), 'model "centernet"');
    try {
      await expect(worker.run({ images: new ort.Tensor('float32', new Float32Array(3), [1, 1, 1, 3]) }, ['nope'])).rejects.toThrow(/^model "centernet": /);
      const ok = await worker.run({ images: new ort.Tensor('float32', new Float32Array(64 * 64 * 3), [1, 64, 64, 3]) }, ['heatmap']);
      expect((ok.heatmap?.data as Float32Array).length).toBe(16 * 16);
    } finally {
      await worker.release();
    }
  }, 60_000);
});
