/**
 * A minimal RTSP "camera" on 127.0.0.1 that answers OPTIONS and then refuses DESCRIBE with a
 * chosen status (401/404), or never answers at all ("silent"). Enough to drive ffmpeg's real RTSP
 * client into each failure; a streaming RTSP server for the happy path belongs to the e2e suite.
 */
import net from 'node:net';

export type FakeRtspMode = '401' | '404' | 'silent';

export interface FakeRtsp {
  port: number;
  requests: string[];
  close: () => Promise<void>;
}

export async function startFakeRtsp(mode: FakeRtspMode): Promise<FakeRtsp> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.on('data', (d) => {
      const text = d.toString('latin1');
      requests.push(text);
      if (mode === 'silent') return;
      const cseq = /CSeq:\s*(\d+)/i.exec(text)?.[1] ?? '1';
      if (text.startsWith('OPTIONS')) {
        s.write(`RTSP/1.0 200 OK\r\nCSeq: ${cseq}\r\nPublic: DESCRIBE, SETUP, PLAY, TEARDOWN\r\n\r\n`);
      } else {
        const status = mode === '401' ? '401 Unauthorized' : '404 Not Found';
        s.write(`RTSP/1.0 ${status}\r\nCSeq: ${cseq}\r\nWWW-Authenticate: Basic realm="cam"\r\n\r\n`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    requests,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port with nothing listening on it (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
