/**
 * Something on the camera's port that is not a camera: it accepts TCP connections and answers
 * every request with bytes that are not RTSP.
 * - `random`: noise bytes (line noise, a DVR's binary protocol). ffmpeg 5.1 reads them until its
 *   I/O timeout and then exits with "Invalid data found". The bytes are the same on every run (a fixed
 *   xorshift sequence): with fresh random bytes now and then a draw made ffmpeg give up before its
 *   timeout, and the test's classification flaked with the draw.
 * - `http`: a web server's answer (the camera's HTTP port given as the RTSP port, a common typo).
 *   ffmpeg 5.1 then waits forever despite `-timeout` (seen here: > 10 min); only the supervisor's
 *   stall watchdog gets the camera out of that.
 */
import net from 'node:net';

export type GarbageMode = 'random' | 'http';

export interface GarbageServer {
  readonly port: number;
  /** Connections accepted so far (each ffmpeg attempt opens one). */
  readonly connections: () => number;
  close(): Promise<void>;
}

const HTTP_ANSWER = 'HTTP/1.1 400 Bad Request\r\nServer: webs\r\nContent-Length: 0\r\n\r\n';

/** 2048 noise bytes, the same every time (xorshift32 from a fixed seed). */
const NOISE = ((): Buffer => {
  const out = Buffer.alloc(2048);
  let x = 0x9e3779b9;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
})();

export async function startGarbageServer(mode: GarbageMode = 'random'): Promise<GarbageServer> {
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections++;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.on('data', () => s.write(mode === 'http' ? HTTP_ANSWER : NOISE));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
