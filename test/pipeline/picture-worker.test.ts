/**
 * The snapshot worker as the agent runs it: a real child process at a lower CPU priority, with the real face model,
 * rendering a real picture; a worker killed in the middle of a job fails that job and is started again for the next;
 * a face check that fails makes no picture at all.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PictureWorker, WorkerLostError, answerJob, type PictureJob } from '../../agent/pipeline/index.js';
import { capturingLogger } from '../support/capturing-logger.js';
import { tempDir } from '../store/fixtures.js';
import { STANDING, frame, found } from './frames.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function snapshotJob(dir: string, name: string, quality = 80): PictureJob {
  const f = frame(3);
  return {
    kind: 'snapshot',
    cameraId: 'hall',
    frame: { width: f.width, height: f.height, format: f.format, pixels: f.pixels },
    people: [STANDING.box],
    others: found(f, []).items.map((d) => d.box),
    quality,
    file: { dir, name },
  };
}

/** The nice value of a process (field 19 of /proc/PID/stat, after the command in parentheses). */
function niceOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('PictureWorker (a real child process)', () => {
  it('renders and writes a picture with the real face model, at a lower CPU priority than the agent', async () => {
    const t = tempDir('picture-worker');
    cleanups.push(t.cleanup);
    const w = new PictureWorker({ logger: capturingLogger().logger });
    cleanups.push(() => w.close());
    const reply = await w.run(snapshotJob(t.dir, 'a-p1.jpg'));
    expect(reply).toMatchObject({ ok: true, w: expect.any(Number) as unknown });
    expect(existsSync(join(t.dir, 'a-p1.jpg'))).toBe(true);
    if (reply.ok) expect(reply.cpuMs).toBeGreaterThan(0);
    expect(niceOf(w.pid!) - niceOf(process.pid)).toBe(10);
    // Nothing of the agent's environment reaches it but what rendering needs.
    // (Node adds its IPC channel's own NODE_CHANNEL_* variables.)
    const env = readFileSync(`/proc/${w.pid!}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => kv.split('=')[0]!);
    expect(env.filter((k) => !k.startsWith('NODE_CHANNEL_') && !['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'TSX_DISABLE_CACHE', 'QMON_MODELS_DIR'].includes(k))).toEqual([]);
    expect(w.restarts).toBe(0);
  }, 60_000);

  it('a worker killed in the middle of a job fails that job (WorkerLostError) and is started again for the next', async () => {
    const w = new PictureWorker({ logger: capturingLogger().logger, entry: new URL('./crashing-picture-child.ts', import.meta.url).pathname });
    cleanups.push(() => w.close());
    const first = w.pid;
    await expect(w.run(snapshotJob('/nonexistent', 'x.jpg', 13))).rejects.toBeInstanceOf(WorkerLostError);
    expect(first).toBeUndefined();
    await expect(w.run(snapshotJob('/nonexistent', 'y.jpg'))).resolves.toMatchObject({ ok: true });
    expect(w.restarts).toBe(1);
  }, 60_000);

  it('a job past its deadline is taken as a hung worker: killed, the job fails, the next one gets a new worker', async () => {
    const w = new PictureWorker({ logger: capturingLogger().logger, jobTimeoutMs: 500, entry: new URL('./crashing-picture-child.ts', import.meta.url).pathname });
    cleanups.push(() => w.close());
    await expect(w.run(snapshotJob('/nonexistent', 'x.jpg', 14))).rejects.toThrow(/did not answer within 0.5 s/);
    await expect(w.run(snapshotJob('/nonexistent', 'y.jpg'))).resolves.toMatchObject({ ok: true });
    expect(w.restarts).toBe(1);
  }, 60_000);
});

describe('the worker\'s answer to a job', () => {
  it('a face check that fails (a model error) makes no picture at all, not an unchecked one', async () => {
    const t = tempDir('picture-render');
    cleanups.push(t.cleanup);
    const broken = (): Promise<never> => Promise.reject(new Error('face model: onnxruntime failed'));
    expect(await answerJob(snapshotJob(t.dir, 'b-p1.jpg'), broken)).toEqual({ ok: false, error: 'face model: onnxruntime failed' });
    expect(existsSync(join(t.dir, 'b-p1.jpg'))).toBe(false);
  });
});
