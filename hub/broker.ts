import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';

export interface EmbeddedBrokerOptions {
  /** 0 (default) picks a free port on first start; later restarts reuse that port. */
  readonly port?: number;
  /** Loopback by default: the embedded broker is for the demo and tests, never for a LAN. */
  readonly host?: string;
}

/**
 * An in-process MQTT broker (aedes, MQTT 3.1.1) on a TCP port, for the demo's `hub: embedded` and
 * for tests. Every `start()` makes a new broker with empty in-memory state, so stop + start is a
 * broker restart without persistence: sessions, queued messages and retained messages are gone.
 */
export class EmbeddedBroker {
  private port: number;
  private readonly host: string;
  private broker: Aedes | null = null;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(opts: EmbeddedBrokerOptions = {}) {
    this.port = opts.port ?? 0;
    this.host = opts.host ?? '127.0.0.1';
  }

  get url(): string {
    if (!this.server) throw new Error('embedded broker is not running');
    return `mqtt://${this.host}:${this.port}`;
  }

  get running(): boolean {
    return this.server !== null;
  }

  async start(): Promise<{ url: string; port: number }> {
    if (this.server) return { url: this.url, port: this.port };
    const broker = await Aedes.createBroker();
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      broker.handle(socket);
    });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.port, this.host, () => {
          server.removeListener('error', reject);
          resolve();
        });
      });
    } catch (e) {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      throw new Error(`embedded broker cannot listen on ${this.host}:${this.port}: ${(e as Error).message}`);
    }
    const addr = server.address();
    if (addr && typeof addr === 'object') this.port = addr.port;
    this.broker = broker;
    this.server = server;
    return { url: this.url, port: this.port };
  }

  /** Closes every client connection at once (like a broker crash, as clients see it) and stops. */
  async stop(): Promise<void> {
    const { broker, server } = this;
    this.broker = null;
    this.server = null;
    if (!server || !broker) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await closed;
  }
}
