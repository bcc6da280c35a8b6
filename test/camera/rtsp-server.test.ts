/**
 * The RTSP test server itself (test/support/rtsp-server.py via its TS launcher): bad mounts are refused
 * with a message that names them, and a stopped server leaves nothing listening.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { RtspTestServer } from '../support/rtsp-server.js';

const connects = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    // Loopback answers at once; the deadline only keeps a loaded machine from hanging the test.
    s.setTimeout(5_000, () => {
      s.destroy();
      resolve(false);
    });
    s.once('connect', () => {
      // A connect to a closed ephemeral port can, rarely, pick that same port as its own source and
      // connect to itself (TCP simultaneous open); that is not a listener.
      const self = s.localPort === s.remotePort;
      s.destroy();
      resolve(!self);
    });
    s.once('error', () => resolve(false));
  });

describe('RtspTestServer', () => {
  it('refuses a file mount whose file is missing, saying which', async () => {
    await expect(RtspTestServer.start({ mounts: { '/x': { kind: 'file', path: '/nonexistent/clip.mp4' } } })).rejects.toThrow(
      /file not found: \/nonexistent\/clip\.mp4/,
    );
  });

  it('refuses sizes out of range and mount paths without a slash', async () => {
    await expect(RtspTestServer.start({ mounts: { '/x': { kind: 'pattern', width: 8, height: 8, fps: 5 } } })).rejects.toThrow(
      /size or fps out of range/,
    );
    await expect(RtspTestServer.start({ mounts: { x: { kind: 'still', width: 64, height: 48, fps: 5 } } })).rejects.toThrow(
      /must start with "\/"/,
    );
  });

  it('listens on loopback once ready, and not after stop', async () => {
    // Each phase is timed so that a slow CI machine reports which one was slow, not just a timeout.
    const phases: string[] = [];
    let t = Date.now();
    const lap = (name: string): string => {
      const now = Date.now();
      phases.push(`${name} ${now - t} ms`);
      t = now;
      return phases.join(', ');
    };
    const s = await RtspTestServer.start({ mounts: { '/p': { kind: 'pattern', width: 64, height: 48, fps: 5 } } });
    lap('start');
    expect(s.port).toBeGreaterThan(0);
    expect(s.url('/p', { user: 'a b', password: 'p@ss' })).toBe(`rtsp://a%20b:p%40ss@127.0.0.1:${s.port}/p`);
    const before = await connects(s.port);
    expect(before, lap('connect while running')).toBe(true);
    await s.stop();
    lap('stop');
    const after = await connects(s.port);
    expect(after, lap('connect after stop')).toBe(false);
  }, 120_000);
});
