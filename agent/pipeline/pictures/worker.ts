/**
 * The snapshot worker: a child process (child.ts) at a lower CPU priority that renders pictures, searches them for
 * faces and writes them, so none of that runs on the thread that feeds the person detector. One job at a time. A
 * worker that dies (a native crash, an out-of-memory kill, a job past its deadline) fails the job it was doing with
 * the reason and is started again for the next one (`restarts`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../ops/index.js';
import type { PictureJob, PictureReply, WorkerMessage } from './jobs.js';

/** What the queue needs of a worker: the real one, or a fake in tests. */
export interface PictureRunner {
  /** Resolves with the worker's reply; rejects with `WorkerLostError` when the worker died or timed out on it. */
  run(job: PictureJob): Promise<PictureReply>;
  /** Workers started again after one was lost. */
  readonly restarts: number;
  close(): Promise<void>;
}

/** The worker was lost while it had the job (crash, kill, deadline): the job may be retried. */
export class WorkerLostError extends Error {
  override readonly name = 'WorkerLostError';
}

export interface PictureWorkerOptions {
  readonly logger: Logger;
  /** The models folder the worker loads the face model from; default: the agent's. */
  readonly modelsDir?: string;
  /** A job not answered within this is taken as a hung worker: killed, the job fails. Default 60 s. */
  readonly jobTimeoutMs?: number;
  /** Test seam: another entry module (a path), e.g. a worker that crashes on purpose. */
  readonly entry?: string;
}

/** Environment the worker gets: nothing of the agent's secrets (camera passwords live in its environment). */
const PASSED_ENV = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'TSX_DISABLE_CACHE'] as const;

export class PictureWorker implements PictureRunner {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private current: { id: number; resolve: (r: PictureReply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout } | null = null;
  private nextId = 1;
  private closed = false;
  private started = 0;
  private readonly timeoutMs: number;

  constructor(private readonly o: PictureWorkerOptions) {
    this.timeoutMs = o.jobTimeoutMs ?? 60_000;
  }

  get restarts(): number {
    return Math.max(0, this.started - 1);
  }

  /** The worker's process id while one runs (for tests and the RSS report). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  async run(job: PictureJob): Promise<PictureReply> {
    if (this.closed) throw new Error('snapshot worker is closed');
    if (this.current) throw new Error('snapshot worker: one job at a time');
    const child = this.ensure();
    await this.ready;
    if (this.child !== child || !child.connected) throw new WorkerLostError('snapshot worker stopped before the job was sent');
    const id = this.nextId++;
    return new Promise<PictureReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.o.logger.warn({ pid: child.pid, timeoutMs: this.timeoutMs }, 'snapshot worker did not answer in time; restarting it');
        this.lose(child, new WorkerLostError(`snapshot worker did not answer within ${this.timeoutMs / 1000} s`));
        child.kill('SIGKILL');
      }, this.timeoutMs);
      this.current = { id, resolve, reject, timer };
      child.send({ id, job }, (err) => {
        if (err) this.lose(child, new WorkerLostError(`snapshot worker could not be sent the job: ${err.message}`));
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child) return;
    this.lose(child, new WorkerLostError('snapshot worker closed'));
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    });
  }

  /** The running worker, started when there is none. */
  private ensure(): ChildProcess {
    if (this.child) return this.child;
    const entry = this.o.entry ?? fileURLToPath(new URL(`./child${extension()}`, import.meta.url));
    // From TypeScript sources (tsx, vitest) the worker needs tsx's loader too; the built agent runs plain JavaScript.
    const execArgv = entry.endsWith('.ts') ? ['--import', createRequire(import.meta.url).resolve('tsx')] : [];
    const env: NodeJS.ProcessEnv = {};
    for (const k of PASSED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k];
    if (this.o.modelsDir) env.QMON_MODELS_DIR = this.o.modelsDir;
    const child = fork(entry, [], { execArgv, env, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    this.started++;
    this.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (m: WorkerMessage): void => {
        if ('ready' in m) resolve();
        else if ('fatal' in m) reject(new Error(m.fatal));
      };
      child.on('message', onMessage);
      child.once('exit', (code, signal) => reject(new WorkerLostError(`snapshot worker exited before it was ready (${signal ?? `code ${code}`})`)));
    });
    // Nobody may be awaiting `ready` yet (it is awaited by run()); its rejection is handled there.
    this.ready.catch(() => undefined);
    child.on('message', (m: WorkerMessage) => {
      if (!('id' in m) || this.current?.id !== m.id || this.child !== child) return;
      const c = this.current;
      this.current = null;
      clearTimeout(c.timer);
      c.resolve(m.reply);
    });
    child.once('exit', (code, signal) => {
      if (!this.closed) this.o.logger.warn({ pid: child.pid, code, signal }, 'snapshot worker exited');
      this.lose(child, new WorkerLostError(`snapshot worker exited (${signal ?? `code ${code}`})`));
    });
    this.o.logger.debug({ pid: child.pid, entry }, 'snapshot worker started');
    return child;
  }

  /** Forgets `child` (the next job starts a new one) and fails the job it had. */
  private lose(child: ChildProcess, why: Error): void {
    if (this.child !== child) return;
    this.child = null;
    this.ready = null;
    const c = this.current;
    this.current = null;
    if (c) {
      clearTimeout(c.timer);
      c.reject(why);
    }
  }
}

/** `.ts` when running from sources, `.js` when built. */
function extension(): string {
  return import.meta.url.endsWith('.ts') ? '.ts' : '.js';
}
