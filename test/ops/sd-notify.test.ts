import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemdNotifier, watchdogIntervalMs } from '../../agent/ops/index.js';
import { FakeNotifySocket } from '../support/notify-socket.js';

describe('sd_notify through systemd-notify', () => {
  let sock: FakeNotifySocket;
  beforeAll(async () => {
    sock = await FakeNotifySocket.start();
  });
  afterAll(() => sock.close());

  it('delivers READY=1 with STATUS, WATCHDOG=1 and STOPPING=1 to $NOTIFY_SOCKET, naming the agent as MAINPID', async () => {
    const n = systemdNotifier({ env: { NOTIFY_SOCKET: sock.path, PATH: process.env.PATH } });
    expect(n).not.toBeNull();
    expect(await n!.notify({ READY: '1', STATUS: 'running, 2 camera(s)\nsecond line' })).toBe(true);
    expect(await n!.notify({ WATCHDOG: '1' })).toBe(true);
    expect(await n!.notify({ STOPPING: '1' })).toBe(true);
    const ready = await sock.waitFor('READY', '1');
    expect(ready.fields.STATUS).toBe('running, 2 camera(s) second line');
    expect(ready.fields.MAINPID).toBe(String(process.pid));
    await sock.waitFor('WATCHDOG', '1');
    await sock.waitFor('STOPPING', '1');
  });

  it('is absent outside systemd, and reports a failed send instead of throwing', async () => {
    expect(systemdNotifier({ env: {} })).toBeNull();
    const broken = systemdNotifier({ env: { NOTIFY_SOCKET: sock.path }, command: '/nonexistent/systemd-notify' });
    expect(await broken!.notify({ WATCHDOG: '1' })).toBe(false);
    const noSocket = systemdNotifier({ env: { NOTIFY_SOCKET: `${sock.path}.missing`, PATH: process.env.PATH } });
    expect(await noSocket!.notify({ WATCHDOG: '1' })).toBe(false);
  });

  it('pings at half of WATCHDOG_USEC, and only when the watchdog is meant for this process', () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '60000000' }, 42)).toBe(30_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '60000000', WATCHDOG_PID: '42' }, 42)).toBe(30_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '60000000', WATCHDOG_PID: '43' }, 42)).toBeNull();
    expect(watchdogIntervalMs({}, 42)).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: 'x' }, 42)).toBeNull();
  });
});
