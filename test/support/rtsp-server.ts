/**
 * Drives test/support/rtsp-server.py (GStreamer's RTSP server, a real RTSP/RTP implementation) from
 * tests: start it on a free loopback port, then kill it (camera reboot), SIGSTOP it (stalled
 * stream) and bring it back on the same port. Needs Debian's python3 with the GStreamer bindings
 * (see the script's header for the packages).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RTSP_SERVER_SCRIPT = fileURLToPath(new URL('./rtsp-server.py', import.meta.url));
/** Debian's interpreter: the first python3 on PATH may be another one without `gi`. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

const KILL_WAIT_MS = 10_000;
/** The whole line: a chunk boundary inside the number must not yield a truncated port. */
const READY_LINE = /^ready port=(\d+)$/m;

/** False once the process is gone or a zombie (dead, only not yet reaped). */
function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name, which may itself contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export type MountSpec =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'pattern' | 'still'; readonly width: number; readonly height: number; readonly fps: number };

export interface RtspServerOptions {
  /** Mount path (`/cam1`) → what it serves. */
  readonly mounts: Readonly<Record<string, MountSpec>>;
  readonly auth?: {
    readonly method: 'basic' | 'digest';
    readonly user: string;
    readonly password: string;
    /** Mounts that need the credentials; all of them when omitted. */
    readonly protect?: readonly string[];
  };
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly readyTimeoutMs?: number;
}

function mountArg(path: string, m: MountSpec): string {
  if (!path.startsWith('/')) throw new RangeError(`mount path must start with "/": ${path}`);
  return m.kind === 'file' ? `${path}=file:${m.path}` : `${path}=${m.kind}:${m.width}x${m.height}@${m.fps}`;
}

export class RtspTestServer {
  private child: ChildProcess | null = null;
  private stderr = '';
  private portNo = 0;

  private constructor(private readonly opts: RtspServerOptions) {}

  static async start(opts: RtspServerOptions): Promise<RtspTestServer> {
    const s = new RtspTestServer(opts);
    await s.launch(opts.port ?? 0);
    return s;
  }

  get port(): number {
    return this.portNo;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** `rtsp://[user:pass@]127.0.0.1:port/path`; credentials are percent-encoded. */
  url(path: string, creds?: { user: string; password: string }): string {
    const auth = creds ? `${encodeURIComponent(creds.user)}:${encodeURIComponent(creds.password)}@` : '';
    return `rtsp://${auth}127.0.0.1:${this.portNo}${path}`;
  }

  /** Freeze the server (SIGSTOP): connections stay open, nothing more is sent. A stalled camera. */
  pause(): void {
    this.signal('SIGSTOP');
  }

  resume(): void {
    this.signal('SIGCONT');
  }

  /** SIGKILL: the camera loses power. Resolves once the process is gone. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c) return;
    this.child = null;
    if (c.exitCode !== null || c.signalCode !== null) return;
    const pid = c.pid;
    let poll: NodeJS.Timeout | undefined;
    const gone = new Promise<void>((resolve, reject) => {
      c.once('exit', () => resolve());
      // The exit event is the normal path; polling the pid as well means a lost event cannot hang
      // the caller, and a process that really outlives SIGKILL fails with a reason, not a timeout.
      const deadline = Date.now() + KILL_WAIT_MS;
      poll = setInterval(() => {
        if (pid === undefined || !processAlive(pid)) resolve();
        else if (Date.now() > deadline) reject(new Error(`rtsp-server pid ${pid} still running ${KILL_WAIT_MS} ms after SIGKILL`));
      }, 100);
    });
    c.kill('SIGCONT'); // a stopped process would not die until continued
    c.kill('SIGKILL');
    try {
      await gone;
    } finally {
      clearInterval(poll);
    }
  }

  /** Start again on the same port: the camera is back after its reboot. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch(this.portNo);
  }

  async stop(): Promise<void> {
    await this.kill();
  }

  private signal(sig: NodeJS.Signals): void {
    if (!this.child?.pid) throw new Error('rtsp-server is not running');
    process.kill(this.child.pid, sig);
  }

  private async launch(port: number): Promise<void> {
    if (!existsSync(SYSTEM_PYTHON)) throw new Error(`${SYSTEM_PYTHON} not found: install Debian's python3-gi`);
    const { mounts, auth } = this.opts;
    const args = [RTSP_SERVER_SCRIPT, '--port', String(port)];
    for (const [path, m] of Object.entries(mounts)) args.push('--mount', mountArg(path, m));
    if (auth) {
      args.push('--auth', auth.method, '--user', auth.user);
      for (const p of auth.protect ?? []) args.push('--protect', p);
    }
    // The password travels in the environment, not on a command line other users can read.
    const env = { ...process.env, ...(auth ? { QMON_RTSP_PASSWORD: auth.password } : {}) };
    const child = spawn(SYSTEM_PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child = child;
    this.stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.portNo = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error('rtsp-server did not print "ready" in time')), this.opts.readyTimeoutMs ?? 45_000);
      const fail = (e: Error): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`${e.message}; stderr: ${this.stderr.trim() || '(empty)'}`));
      };
      child.on('error', fail);
      child.once('exit', (code, sig) => fail(new Error(`rtsp-server exited (${code ?? sig}) before it was ready`)));
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = READY_LINE.exec(out.slice(0, out.lastIndexOf('\n') + 1));
        if (!m) return;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(Number(m[1]));
      });
    });
  }
}
