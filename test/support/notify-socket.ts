/**
 * A fake systemd notify socket: an AF_UNIX datagram socket bound by Debian's python3 (Node cannot bind one) that
 * prints each datagram it receives as one JSON line. Datagrams carrying a BARRIER=1 fd (systemd-notify's
 * synchronisation) are answered the way PID 1 does: by closing that fd.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const RECEIVER = `
import socket, sys, os, json, array
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
print("bound", flush=True)
while True:
    data, anc, flags, addr = s.recvmsg(4096, socket.CMSG_SPACE(64))
    pid = None
    for level, kind, body in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i"); fds.frombytes(body[: len(body) - (len(body) % fds.itemsize)])
            for fd in fds: os.close(fd)
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = int.from_bytes(body[0:4], "little")
    print(json.dumps({"data": data.decode("utf-8", "replace"), "pid": pid}), flush=True)
`;

export interface NotifyDatagram {
  readonly fields: Record<string, string>;
  /** The sender's PID from SCM_CREDENTIALS. */
  readonly pid: number | null;
}

export class FakeNotifySocket {
  readonly received: NotifyDatagram[] = [];
  private readonly waiters: (() => void)[] = [];

  private constructor(
    readonly path: string,
    private readonly dir: string,
    private readonly proc: ChildProcess,
  ) {}

  static async start(): Promise<FakeNotifySocket> {
    const dir = mkdtempSync(join(tmpdir(), 'qmon-notify-'));
    const path = join(dir, 'notify.sock');
    const proc = spawn('/usr/bin/python3', ['-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const sock = new FakeNotifySocket(path, dir, proc);
    const lines = createInterface({ input: proc.stdout });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('fake NOTIFY_SOCKET: python3 did not bind within 10 s')), 10_000);
      lines.once('line', () => {
        clearTimeout(timer);
        resolve();
      });
      proc.once('exit', (code) => reject(new Error(`fake NOTIFY_SOCKET: python3 exited with ${code}`)));
    });
    lines.on('line', (line) => {
      const { data, pid } = JSON.parse(line) as { data: string; pid: number | null };
      const fields = Object.fromEntries(data.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      sock.received.push({ fields, pid });
      for (const w of sock.waiters.splice(0)) w();
    });
    return sock;
  }

  /** Waits until a datagram with KEY=VALUE arrived; fails naming what it waited for. */
  async waitFor(key: string, value: string, timeoutMs = 10_000): Promise<NotifyDatagram> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.find((d) => d.fields[key] === value);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`fake NOTIFY_SOCKET: no ${key}=${value} within ${timeoutMs} ms (got ${JSON.stringify(this.received.map((d) => d.fields))})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.proc.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
