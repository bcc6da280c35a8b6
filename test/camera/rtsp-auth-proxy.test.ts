/**
 * The camera password never reaches ffmpeg's command line or environment: ffmpeg streams a password-protected RTSP
 * camera (GStreamer's RTSP server, Basic and Digest) through the agent's loopback login forwarder, and its
 * /proc/<pid>/cmdline and environ are read while it streams.
 */
import { readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RtspAuthProxy } from '../../agent/camera/index.js';
import { RtspTestServer } from '../support/rtsp-server.js';
import { moreFrames, stopAll, superviseRtsp } from '../e2e/rtsp-helpers.js';
import { waitFor as waitUntil } from '../decode/media.js';

const USER = 'admin';
const PASS = 'Cam-Pa55word-9f3';
let basic: RtspTestServer;
let digest: RtspTestServer;

beforeAll(async () => {
  const mount = { kind: 'pattern' as const, width: 160, height: 120, fps: 25 };
  [basic, digest] = await Promise.all([
    RtspTestServer.start({ mounts: { '/secure': mount }, auth: { method: 'basic', user: USER, password: PASS } }),
    RtspTestServer.start({ mounts: { '/secure': mount }, auth: { method: 'digest', user: USER, password: PASS } }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([basic?.stop(), digest?.stop()]);
});

describe('RtspAuthProxy (camera login outside ffmpeg argv)', () => {
  it.each([
    ['basic', () => basic],
    ['digest', () => digest],
  ])('%s: ffmpeg streams through it and no process argument or environment holds the password', async (_m, server) => {
    const proxy = new RtspAuthProxy(server().url('/secure', { user: USER, password: PASS }));
    const url = await proxy.start();
    expect(url).toMatch(/^rtsp:\/\/127\.0\.0\.1:\d+\/secure$/);
    const w = superviseRtsp(url);
    try {
      await moreFrames(w, 5, 30_000);
      const pid = w.sup.pid!;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      expect(cmdline).toContain(url);
      for (const text of [cmdline, environ]) {
        expect(text).not.toContain(PASS);
        expect(text).not.toContain(encodeURIComponent(PASS));
        expect(text).not.toContain(`${USER}:`);
      }
    } finally {
      await stopAll([w]);
      await proxy.stop();
    }
  }, 60_000);

  it('without the forwarder the same camera refuses ffmpeg (the credentials really come from it)', async () => {
    const w = superviseRtsp(digest.url('/secure'));
    try {
      await waitUntil(() => w.states.some((s) => s.reason === 'auth_failed'), 'an auth_failed state', 20_000);
      expect(w.frames).toHaveLength(0);
    } finally {
      await stopAll([w]);
    }
  }, 30_000);

  it.each([
    ['a wrong password', () => digest.url('/secure', { user: USER, password: 'wrong' }), 'auth_failed'],
    ['a camera that refuses the connection', () => `rtsp://${USER}:${PASS}@127.0.0.1:9/secure`, 'refused'],
  ])('%s is reported as ffmpeg would without the forwarder', async (_what, url, reason) => {
    const proxy = new RtspAuthProxy(url());
    const w = superviseRtsp(await proxy.start());
    try {
      await waitUntil(() => w.states.some((s) => s.reason === reason), `a ${reason} state`, 20_000);
      expect(w.frames).toHaveLength(0);
    } finally {
      await stopAll([w]);
      await proxy.stop();
    }
  }, 30_000);

  it('knows when it is needed: only rtsp URLs with credentials', () => {
    expect(RtspAuthProxy.needed('rtsp://admin:x@10.0.0.5/stream')).toBe(true);
    expect(RtspAuthProxy.needed('rtsp://10.0.0.5/stream')).toBe(false);
    expect(RtspAuthProxy.needed('/videos/a.mp4')).toBe(false);
  });

  // Another local user must not borrow the camera login through the forwarder. Needs root to act as `nobody`.
  it.skipIf(process.getuid?.() !== 0)('refuses a connection from another user, serves this user', async () => {
    const proxy = new RtspAuthProxy(digest.url('/secure', { user: USER, password: PASS }));
    const port = new URL(await proxy.start()).port;
    try {
      const request = `OPTIONS rtsp://127.0.0.1:${port}/secure RTSP/1.0\r\nCSeq: 1\r\n\r\n`;
      // bash's /dev/tcp as `nobody`: sends OPTIONS, prints whatever comes back (nothing when refused).
      const script = `exec 3<>/dev/tcp/127.0.0.1/${port}; printf '${request.replace(/\\/g, '\\\\')}' >&3; timeout 3 cat <&3`;
      // Asynchronous: the forwarder must see the connection while the other process still holds it.
      const run = (cmd: string, args: string[]): Promise<string> =>
        new Promise((resolve) => execFile(cmd, args, { encoding: 'utf8', timeout: 10_000 }, (_e, out) => resolve(out)));
      const other = await run('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'bash', '-c', script]);
      expect(other).toBe('');
      expect(proxy.refused).toBe(1);
      const mine = await run('bash', ['-c', script]);
      expect(mine).toMatch(/^RTSP\/1\.0 200 OK/);
      expect(proxy.refused).toBe(1);
    } finally {
      await proxy.stop();
    }
  });
});
