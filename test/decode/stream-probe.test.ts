// The camera survey's stream measurement: ffprobe over a few seconds of packets, on a real file and on a real RTSP
// stream behind the agent's login forwarder (no credentials on ffprobe's command line); the parsing of its output.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeStream, streamFactsOf } from '../../agent/decode/index.js';
import { RtspAuthProxy } from '../../agent/camera/index.js';
import { RtspTestServer } from '../support/rtsp-server.js';

const CLIP = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';

describe('streamFactsOf', () => {
  it('measures fps and bitrate from the packets, not from what the stream announces', () => {
    const packets = Array.from({ length: 50 }, (_, i) => ({ pts_time: (i * 0.1).toFixed(6), size: '1250' }));
    expect(streamFactsOf({ streams: [{ codec_name: 'h264', width: 1280, height: 720 }], packets })).toEqual({
      codec: 'h264',
      width: 1280,
      height: 720,
      fps: expect.closeTo(10, 6) as number,
      bitrateKbps: expect.closeTo(100, 6) as number, // 50 × 1250 B over 5 s
    });
  });
  it('gives null for what it cannot tell, and refuses odd values', () => {
    expect(streamFactsOf({})).toEqual({ codec: null, width: null, height: null, fps: null, bitrateKbps: null });
    expect(streamFactsOf({ streams: [{ codec_name: '<h264>', width: -1, height: 1.5 }], packets: [{ pts_time: '0', size: '9' }] })).toEqual({
      codec: null,
      width: null,
      height: null,
      fps: null,
      bitrateKbps: null,
    });
  });
});

describe('probeStream', () => {
  it.skipIf(!existsSync(CLIP))('reads a file\'s codec, size, rate and bitrate', async () => {
    const f = await probeStream({ kind: 'file', path: CLIP, loop: false });
    expect(f).toMatchObject({ codec: 'msmpeg4v3', width: 768, height: 576 });
    expect(f!.fps).toBeCloseTo(10, 3);
    expect(f!.bitrateKbps).toBeGreaterThan(100);
  });

  it('gives null for a stream that is not there, and refuses a URL with credentials', async () => {
    expect(await probeStream({ kind: 'rtsp', url: 'rtsp://127.0.0.1:9/none', transport: 'tcp' }, { timeoutMs: 5_000 })).toBeNull();
    expect(() => probeStream({ kind: 'rtsp', url: 'rtsp://admin:12345@127.0.0.1:9/none', transport: 'tcp' })).toThrow(/credentials/);
  });

  describe('an RTSP camera with a login, through the agent\'s forwarder', () => {
    let server: RtspTestServer;
    let proxy: RtspAuthProxy;
    let url: string;
    beforeAll(async () => {
      server = await RtspTestServer.start({
        mounts: { '/cam': { kind: 'pattern', width: 320, height: 240, fps: 10 } },
        auth: { method: 'digest', user: 'operator', password: 'Probe-Secret-9' },
      });
      proxy = new RtspAuthProxy(server.url('/cam', { user: 'operator', password: 'Probe-Secret-9' }));
      url = await proxy.start();
    }, 60_000);
    afterAll(async () => {
      await proxy?.stop();
      await server?.stop();
    });

    it('measures the stream the camera sends', { timeout: 60_000 }, async () => {
      const f = await probeStream({ kind: 'rtsp', url, transport: 'tcp' }, { seconds: 3 });
      expect(f).toMatchObject({ codec: 'h264', width: 320, height: 240 });
      expect(f!.fps).toBeGreaterThan(5);
      expect(f!.fps).toBeLessThan(15);
      expect(f!.bitrateKbps).toBeGreaterThan(0);
    });
  });
});
