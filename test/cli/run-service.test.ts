/**
 * `qmon run` as systemd runs it: READY=1 once started, WATCHDOG=1 while healthy, and on SIGTERM STOPPING=1 then a
 * clean exit well within the unit's TimeoutStopSec (20 s). systemd is played by a fake $NOTIFY_SOCKET.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeNotifySocket } from '../support/notify-socket.js';

const tmp = mkdtempSync(join(tmpdir(), 'qmon-run-service-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TIMEOUT_STOP_MS = 20_000;

describe('qmon run under systemd (Type=notify)', () => {
  it('sends READY=1, pings the watchdog, and on SIGTERM says STOPPING=1 and exits 0 within TimeoutStopSec', async () => {
    const config = join(tmp, 'demo.yaml');
    writeFileSync(config, readFileSync('config/demo.yaml', 'utf8').replace('dir: ../data/demo', `dir: ${join(tmp, 'data')}`).replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0'));
    const sock = await FakeNotifySocket.start();
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'agent/cli.ts', 'run', '--config', config, '--log-json'], {
        // A 2 s watchdog: pings every second, so one arrives quickly.
        env: { ...process.env, NOTIFY_SOCKET: sock.path, WATCHDOG_USEC: '2000000' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const ready = await sock.waitFor('READY', '1', 90_000).catch((e: unknown) => {
        child.kill('SIGKILL');
        throw new Error(`${(e as Error).message}; agent stderr: ${stderr.slice(-2000)}`);
      });
      expect(ready.fields.MAINPID).toBe(String(child.pid));
      expect(ready.fields.STATUS).toMatch(/^running, 1 camera/);
      await sock.waitFor('WATCHDOG', '1', 30_000);
      const t0 = Date.now();
      child.kill('SIGTERM');
      await sock.waitFor('STOPPING', '1', TIMEOUT_STOP_MS);
      const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), TIMEOUT_STOP_MS))]);
      expect(code, `agent did not exit within ${TIMEOUT_STOP_MS} ms of SIGTERM`).toBe(0);
      expect(Date.now() - t0).toBeLessThan(TIMEOUT_STOP_MS);
      // STOPPING came before the exit, and no watchdog ping after it.
      const stoppingAt = sock.received.findIndex((d) => d.fields.STOPPING === '1');
      expect(sock.received.slice(stoppingAt + 1).some((d) => d.fields.WATCHDOG === '1')).toBe(false);
    } finally {
      sock.close();
    }
  }, 180_000);
});
