import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!addr || typeof addr !== 'object') throw new Error('no port');
  return addr.port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Debian's real mosquitto on a loopback port, persistence off; restartable on the same port. */
export class Mosquitto {
  private proc: ChildProcess | null = null;
  private readonly conf: string;
  stderr = '';

  /** `settings` replaces the default `allow_anonymous true` (auth, TLS files). */
  constructor(
    readonly port: number,
    dir: string,
    settings: string[] = ['allow_anonymous true'],
    readonly scheme: 'mqtt' | 'mqtts' = 'mqtt',
  ) {
    if (!existsSync(MOSQUITTO)) throw new Error(`${MOSQUITTO} is missing: install the Debian package mosquitto (scripts/setup.sh)`);
    this.conf = join(dir, `mosquitto-${port}.conf`);
    writeFileSync(
      this.conf,
      // set_tcp_nodelay: without it mosquitto's small writes wait for delayed TCP ACKs (40 ms), which caps
      // a 16-message window at ~250 msg/s; EMQX and VerneMQ turn Nagle off by default.
      [`listener ${port} 127.0.0.1`, ...settings, 'persistence false', 'set_tcp_nodelay true', 'log_dest stderr', 'log_type error', ''].join(
        '\n',
      ),
    );
  }

  /** The running broker's process id (undefined when stopped). */
  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get url(): string {
    return `${this.scheme}://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const proc = spawn(MOSQUITTO, ['-c', this.conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.proc = proc;
    for (let i = 0; i < 200; i++) {
      if (proc.exitCode !== null) throw new Error(`mosquitto exited at start: ${this.stderr}`);
      if (await accepts(this.port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`mosquitto did not listen on ${this.port}: ${this.stderr}`);
  }

  /** SIGKILL by default: clients see the TCP connection die, nothing is flushed. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
  }
}
