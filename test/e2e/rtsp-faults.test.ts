/**
 * Cameras that fail, against a real RTSP server (GStreamer's, test/support/rtsp-server.py) or things on
 * the port that are not one, read by the real ffmpeg through CameraSupervisor on the real clock:
 * wrong path, wrong or missing credentials, garbage bytes, a web server on the RTSP port, a stream
 * that stalls (server SIGSTOPped), and hardware decode that fails. Media: GStreamer test patterns
 * and a generated testsrc clip, synthetic.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, tempDir } from '../decode/media.js';
import { startGarbageServer } from '../camera/garbage-server.js';
import { RtspTestServer } from '../support/rtsp-server.js';
import { FAST_HEALTH, moreFrames, stopAll, superviseRtsp, visibleText, waitFor, type Watched } from './rtsp-helpers.js';

const USER = 'operator';
const PASS = 'S3cret-Pa55';

let tmp: ReturnType<typeof tempDir>;
let clip: string;
let server: RtspTestServer;

beforeAll(async () => {
  tmp = tempDir('rtsp-faults');
  clip = makeClip(join(tmp.dir, 'loop.mp4'), { seconds: 2, width: 320, height: 240, rate: 25, gop: 25 });
  server = await RtspTestServer.start({
    mounts: {
      '/open': { kind: 'pattern', width: 320, height: 240, fps: 25 },
      '/secure': { kind: 'pattern', width: 320, height: 240, fps: 25 },
    },
    auth: { method: 'basic', user: USER, password: PASS, protect: ['/secure'] },
  });
});

afterAll(async () => {
  await server?.stop();
  tmp?.cleanup();
});

/** Restart attempts must climb 0, 1, 2, … (backoff), never reset while the fault lasts. */
function expectBackoff(w: Watched, n: number): void {
  expect(w.plans.length).toBeGreaterThanOrEqual(n);
  expect(w.plans.slice(0, n).map((p) => p.attempt)).toEqual([...Array(n).keys()]);
  for (const p of w.plans) expect(p.delayMs).toBeLessThan(2000); // the cap given in rtsp-helpers
}

describe('a camera that refuses the request', () => {
  it('wrong path: not_found, restarts with backoff, offline after offline_after_s', async () => {
    const w = superviseRtsp(server.url('/no-such-stream'));
    try {
      await waitFor(() => w.sup.state.state === 'offline', 'offline', 20_000);
      expect(w.sup.state).toMatchObject({ state: 'offline', reason: 'not_found' });
      expect(w.sup.state.detail).toMatch(/no stream at this path/);
      expectBackoff(w, 3);
      expect(w.plans.every((p) => p.reason === 'not_found')).toBe(true);
      expect(w.frames).toEqual([]);
      expect(w.sup.quality().grade).toBe('unusable');
    } finally {
      await stopAll([w]);
    }
  });

  it.each([
    ['a wrong password', { user: USER, password: 'wrong-guess-1' }],
    ['no credentials', undefined],
  ])('%s: auth_failed, and no password in any log line, state or restart reason', async (_what, creds) => {
    const w = superviseRtsp(server.url('/secure', creds));
    try {
      await waitFor(() => w.plans.length >= 2, 'two restart plans');
      expect(w.plans[0]).toMatchObject({ reason: 'auth_failed', attempt: 0 });
      expect(w.plans[0]!.detail).toMatch(/rejected the username or password/);
      expect(w.sup.state).toMatchObject({ state: 'starting', reason: 'auth_failed' }); // not yet offline: debounced
      const text = visibleText(w);
      expect(text).toContain('401'); // ffmpeg's own line is kept, redacted
      expect(text).not.toContain(PASS);
      expect(text).not.toContain('wrong-guess-1');
    } finally {
      await stopAll([w]);
    }
  });
});

describe('something on the port that is not a camera', () => {
  it('random bytes: classified (no valid RTSP answer), restarted with backoff', async () => {
    const g = await startGarbageServer('random');
    const w = superviseRtsp(`rtsp://127.0.0.1:${g.port}/stream`, { input: { kind: 'rtsp', url: `rtsp://127.0.0.1:${g.port}/stream`, ioTimeoutS: 1 } });
    try {
      await waitFor(() => w.plans.length >= 3, 'three restart plans', 20_000);
      expectBackoff(w, 3);
      expect(w.plans[0]).toMatchObject({ reason: 'timeout' });
      expect(w.plans[0]!.detail).toMatch(/no valid RTSP answer.*speaks another protocol/);
      expect(g.connections()).toBeGreaterThanOrEqual(3); // a fresh ffmpeg connection per attempt
    } finally {
      await stopAll([w]);
      await g.close();
    }
  });

  it('a web server on the RTSP port: ffmpeg hangs despite its timeout, the stall watchdog restarts it', async () => {
    const g = await startGarbageServer('http');
    const url = `rtsp://127.0.0.1:${g.port}/stream`;
    const w = superviseRtsp(url, { input: { kind: 'rtsp', url, ioTimeoutS: 1 }, health: { ...FAST_HEALTH, stall_s: 2 } });
    try {
      await waitFor(() => w.plans.length >= 2, 'two restart plans', 20_000);
      expect(w.plans.slice(0, 2).map((p) => p.reason)).toEqual(['stalled', 'stalled']);
      expectBackoff(w, 2);
      expect(w.sup.metrics.stalls).toBeGreaterThanOrEqual(2);
    } finally {
      await stopAll([w]);
      await g.close();
    }
  });
});

describe('a stream that stalls', () => {
  it('server frozen with SIGSTOP: stall detected (before ffmpeg\'s own 10 s timeout), recovered after SIGCONT', async () => {
    const own = await RtspTestServer.start({ mounts: { '/cam': { kind: 'file', path: clip } } });
    const url = own.url('/cam');
    const w = superviseRtsp(url, { input: { kind: 'rtsp', url, ioTimeoutS: 10 }, health: { ...FAST_HEALTH, stall_s: 3 } });
    try {
      await moreFrames(w, 5);
      own.pause();
      const pausedAt = w.frames.length;
      await waitFor(() => w.plans.length >= 1, 'the stall restart', 15_000);
      expect(w.plans[0]).toMatchObject({ reason: 'stalled', attempt: 0 });
      expect(w.sup.metrics.stalls).toBe(1);
      expect(w.frames.length - pausedAt).toBeLessThanOrEqual(5); // what was in flight, then nothing
      own.resume();
      await moreFrames(w, 5, 20_000);
      expect(w.sup.state).toMatchObject({ state: 'online', reason: 'streaming' });
      expect(w.sup.metrics.reconnects).toBe(1);
      expect(w.sup.quality()).toMatchObject({ stalls: w.sup.metrics.stalls, reconnects: 1 });
    } finally {
      await stopAll([w]);
      await own.stop();
    }
  });
});

describe('hardware decode on an RTSP camera', () => {
  it('vaapi that fails (no such render node) falls back to software and streams', async () => {
    const w = superviseRtsp(server.url('/open'), { hwaccel: 'vaapi', hwaccelDevice: '/dev/dri/renderD199' });
    const fallbacks: unknown[] = [];
    w.sup.on('hwaccel', (f) => fallbacks.push(f));
    try {
      await moreFrames(w, 5);
      expect(fallbacks).toEqual([{ from: 'vaapi', to: 'none', reason: 'hwaccel_failed' }]);
      expect(w.sup.hwaccel).toBe('none');
      expect(w.plans).toEqual([]);
      expect(w.logs.join('\n')).toMatch(/hardware decode failed; using software decode/);
    } finally {
      await stopAll([w]);
    }
  });
});
