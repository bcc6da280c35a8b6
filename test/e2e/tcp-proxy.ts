// A TCP proxy for fault tests, between the agent and the broker. It can pause (stop forwarding, sockets stay
// open: a stalled link), drop (destroy every connection), refuse new connections, and reset a connection in
// the middle of an MQTT PUBLISH (forward only the first N bytes of the packet, then RST both sides).
import { createServer, connect, type Server, type Socket } from 'node:net';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Client → broker MQTT framing: bytes of the current packet still to pass, and a partial header. */
  skip: number;
  head: Buffer;
}

export class TcpProxy {
  private server: Server | null = null;
  private readonly pairs = new Set<Pair>();
  private paused = false;
  private refusing = false;
  private resetArmed: { afterBytes: number; topic: string } | null = null;
  readonly counters = { connections: 0, drops: 0, resets: 0, refused: 0 };
  port = 0;

  constructor(private readonly targetPort: number) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const addr = server.address();
    if (!addr || typeof addr !== 'object') throw new Error('proxy has no port');
    this.port = addr.port;
    this.server = server;
  }

  async stop(): Promise<void> {
    this.drop();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Stops forwarding in both directions; bytes wait in the socket buffers. */
  pause(): void {
    this.paused = true;
    for (const p of this.pairs) {
      p.client.pause();
      p.upstream.pause();
    }
  }

  resume(): void {
    this.paused = false;
    for (const p of this.pairs) {
      p.client.resume();
      p.upstream.resume();
    }
  }

  /** Destroys every connection, as a NAT box or a flaky 4G link would. */
  drop(): void {
    for (const p of [...this.pairs]) this.close(p, false);
    this.counters.drops++;
  }

  /** While on, new connections are closed at once (the broker looks down). */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  /** The next PUBLISH from the client to `topic` is cut after `afterBytes` bytes and both sides get a RST. */
  resetNextPublish(topic: string, afterBytes: number): void {
    this.resetArmed = { topic, afterBytes };
  }

  get resetPending(): boolean {
    return this.resetArmed !== null;
  }

  private accept(client: Socket): void {
    if (this.refusing) {
      this.counters.refused++;
      client.destroy();
      return;
    }
    this.counters.connections++;
    const upstream = connect(this.targetPort, '127.0.0.1');
    const pair: Pair = { client, upstream, skip: 0, head: Buffer.alloc(0) };
    this.pairs.add(pair);
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      s.on('error', () => this.close(pair, false));
      s.on('close', () => this.close(pair, false));
    }
    upstream.on('data', (d: Buffer) => client.write(d));
    client.on('data', (d: Buffer) => this.fromClient(pair, d));
    if (this.paused) {
      client.pause();
      upstream.pause();
    }
  }

  private close(p: Pair, reset: boolean): void {
    if (!this.pairs.delete(p)) return;
    if (reset) {
      p.client.resetAndDestroy();
      p.upstream.resetAndDestroy();
    } else {
      p.client.destroy();
      p.upstream.destroy();
    }
  }

  /** Forwards client bytes, following MQTT packet boundaries so a PUBLISH can be cut mid-packet. */
  private fromClient(p: Pair, chunk: Buffer): void {
    let data = chunk;
    const out: Buffer[] = [];
    while (data.length > 0) {
      if (p.skip > 0) {
        const n = Math.min(p.skip, data.length);
        out.push(data.subarray(0, n));
        p.skip -= n;
        data = data.subarray(n);
        continue;
      }
      const buf = Buffer.concat([p.head, data]);
      const frame = parseFrame(buf);
      if (frame === null) {
        // Header (or, for an armed reset, the topic) not complete yet: hold these bytes back.
        p.head = buf;
        data = Buffer.alloc(0);
        break;
      }
      p.head = Buffer.alloc(0);
      const armed = this.resetArmed;
      if (armed && frame.type === 3 && frame.topic === armed.topic) {
        this.resetArmed = null;
        out.push(buf.subarray(0, Math.min(armed.afterBytes, frame.length - 1)));
        this.flush(p, out);
        this.counters.resets++;
        this.close(p, true);
        return;
      }
      const n = Math.min(frame.length, buf.length);
      out.push(buf.subarray(0, n));
      p.skip = frame.length - n;
      data = buf.subarray(n);
    }
    this.flush(p, out);
  }

  private flush(p: Pair, out: Buffer[]): void {
    if (out.length > 0 && !p.upstream.destroyed) p.upstream.write(Buffer.concat(out));
  }
}

/**
 * MQTT fixed header (type, total length) and, for PUBLISH, the topic; null until enough bytes are there.
 */
function parseFrame(buf: Buffer): { type: number; length: number; topic: string | null } | null {
  if (buf.length < 2) return null;
  let remaining = 0;
  let mult = 1;
  let i = 1;
  for (; ; i++) {
    if (i >= buf.length) return null;
    const b = buf[i]!;
    remaining += (b & 0x7f) * mult;
    mult *= 128;
    if ((b & 0x80) === 0) break;
    if (i >= 4) throw new Error('malformed MQTT remaining length');
  }
  const headerLen = i + 1;
  const type = buf[0]! >> 4;
  let topic: string | null = null;
  if (type === 3) {
    if (buf.length < headerLen + 2) return null;
    const tlen = buf.readUInt16BE(headerLen);
    if (buf.length < headerLen + 2 + tlen) return null;
    topic = buf.toString('utf8', headerLen + 2, headerLen + 2 + tlen);
  }
  return { type, length: headerLen + remaining, topic };
}
