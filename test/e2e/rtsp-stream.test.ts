/**
 * Cameras streaming from a real RTSP server (GStreamer's, test/support/rtsp-server.py) on loopback, read
 * by the real ffmpeg RTSP client over TCP (and UDP) through CameraSupervisor on the real clock.
 * Media: a 4 s 320x240 25 fps H.264 testsrc clip generated here with ffmpeg (looped by the server
 * without re-encoding), GStreamer's moving test pattern and a still picture, all synthetic.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, tempDir } from '../decode/media.js';
import { RtspTestServer } from '../support/rtsp-server.js';
import { FAST_HEALTH, moreFrames, stopAll, superviseRtsp, waitFor, type Watched } from './rtsp-helpers.js';

const USER = 'operator';
const PASS = 'Kh0ng-Lo!4';
const CAMS = 10;

let tmp: ReturnType<typeof tempDir>;
let server: RtspTestServer;
let digest: RtspTestServer;

beforeAll(async () => {
  tmp = tempDir('rtsp-stream');
  const clip = makeClip(join(tmp.dir, 'loop.mp4'), { seconds: 4, width: 320, height: 240, rate: 25, gop: 25 });
  const mounts: Record<string, Parameters<typeof RtspTestServer.start>[0]['mounts'][string]> = {
    '/loop': { kind: 'file', path: clip },
    '/still': { kind: 'still', width: 320, height: 240, fps: 25 },
    '/moving': { kind: 'pattern', width: 320, height: 240, fps: 25 },
    '/secure': { kind: 'pattern', width: 160, height: 120, fps: 25 },
  };
  for (let i = 0; i < CAMS; i++) mounts[`/cam${i}`] = { kind: 'pattern', width: 160, height: 120, fps: 25 };
  [server, digest] = await Promise.all([
    RtspTestServer.start({ mounts, auth: { method: 'basic', user: USER, password: PASS, protect: ['/secure'] } }),
    RtspTestServer.start({ mounts: { '/secure': mounts['/secure']! }, auth: { method: 'digest', user: USER, password: PASS } }),
  ]);
});

afterAll(async () => {
  await Promise.all([server?.stop(), digest?.stop()]);
  tmp?.cleanup();
});

describe('a camera streaming normally', () => {
  it('delivers frames at the detect size and about the detect fps, moving pictures, no restarts', async () => {
    const w = superviseRtsp(server.url('/loop'), { output: { width: 192, height: 144, fps: 5 } });
    try {
      await moreFrames(w, 4); // connected and past the first picture
      const from = w.frames.length;
      await moreFrames(w, 20);
      const run = w.frames.slice(from);
      for (const f of run) {
        expect(f).toMatchObject({ cameraId: 'cam-rtsp', width: 192, height: 144, format: 'rgb24' });
        expect(f.pixels.length).toBe(192 * 144 * 3);
      }
      // The rate as the frames' own arrival stamps show it (the server paces the stream in real
      // time); bounds are loose so a busy machine's jitter cannot fail it, yet 25 fps (no reduction)
      // or 1 fps would.
      const spanS = (run.at(-1)!.ts - run[0]!.ts) / 1000;
      const fps = (run.length - 1) / spanS;
      expect(fps).toBeGreaterThan(3.5);
      expect(fps).toBeLessThan(7);
      const distinct = new Set(run.map((f) => f.pixels.toString('base64'))).size;
      expect(distinct).toBeGreaterThan(15); // testsrc moves every frame
      expect(w.sup.state).toMatchObject({ state: 'online', reason: 'streaming' });
      expect(w.sup.metrics).toMatchObject({ restarts: 0, stalls: 0, overFps: 0 });
      expect(w.sup.quality().grade).toBe('excellent');
    } finally {
      await stopAll([w]);
    }
  });

  it('works over UDP too', async () => {
    const w = superviseRtsp(server.url('/moving'), { input: { kind: 'rtsp', url: server.url('/moving'), transport: 'udp' } });
    try {
      await moreFrames(w, 5);
      expect(w.sup.state.state).toBe('online');
    } finally {
      await stopAll([w]);
    }
  });
});

describe('credentials', () => {
  it.each([
    ['Basic', () => server],
    ['Digest', () => digest],
  ])('%s auth with the right password streams, and the password appears nowhere', async (_m, srv) => {
    const w = superviseRtsp(srv().url('/secure', { user: USER, password: PASS }));
    try {
      await moreFrames(w, 5);
      expect(w.sup.state.state).toBe('online');
      expect(w.logs.join('\n')).toContain('ffmpeg started'); // the log capture works
      expect(w.logs.join('\n')).not.toContain(PASS);
    } finally {
      await stopAll([w]);
    }
  });
});

describe('frozen picture', () => {
  it('a camera streaming the same picture at full fps goes degraded/frozen; a moving one stays online', async () => {
    const still = superviseRtsp(server.url('/still'), { cameraId: 'still' });
    const moving = superviseRtsp(server.url('/moving'), { cameraId: 'moving' });
    try {
      await waitFor(() => still.sup.state.state === 'degraded', 'the still camera to go degraded', 20_000);
      expect(still.sup.state.reason).toBe('frozen');
      expect(still.states.map((s) => s.state)).toEqual(['online', 'degraded']);
      const before = still.frames.length;
      await moreFrames(still, 3); // frames keep coming: it is the picture that is stuck
      expect(still.frames.length).toBeGreaterThan(before);
      expect(still.sup.metrics.restarts).toBe(0);
      await moreFrames(moving, 5);
      expect(moving.sup.state).toMatchObject({ state: 'online', reason: 'streaming' });
    } finally {
      await stopAll([still, moving]);
    }
  });
});

describe(`${CAMS} cameras at once`, () => {
  it('every camera delivers its own frames, none restarts', async () => {
    const ws: Watched[] = [];
    // Ten ffmpegs probing at once on a 2-core machine take ~5 s to their first picture (each alone
    // ~1 s), so this uses the production stall_s.
    const health = { ...FAST_HEALTH, stall_s: 20 };
    for (let i = 0; i < CAMS; i++) ws.push(superviseRtsp(server.url(`/cam${i}`), { cameraId: `cam-${i}`, health }));
    try {
      await Promise.all(ws.map((w) => moreFrames(w, 10, 25_000)));
      for (const [i, w] of ws.entries()) {
        expect(w.frames.every((f) => f.cameraId === `cam-${i}`)).toBe(true);
        expect(w.sup.state.state).toBe('online');
        expect(w.plans, `camera ${i}`).toEqual([]);
      }
      expect(new Set(ws.map((w) => w.sup.pid)).size).toBe(CAMS); // one ffmpeg per camera
    } finally {
      await stopAll(ws);
    }
  });
});
