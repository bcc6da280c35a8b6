import type { ServerResponse } from 'node:http';
import type { Session } from './sessions.js';
import { safeJson } from './http.js';

export const SSE = {
  retryMs: 3000,
  heartbeatMs: 15_000,
  /** Messages kept for `Last-Event-ID` replays. */
  replay: 500,
  /** Unsent bytes a client may have queued before it is dropped (a stalled phone must not hold memory). */
  maxQueuedBytes: 1024 * 1024,
  perSession: 4,
} as const;

interface Client {
  readonly res: ServerResponse;
  readonly session: Session;
}

interface Message {
  readonly id: number;
  readonly text: string;
}

/**
 * Server-sent events to every open `/api/stream`. Each message gets an increasing id; the last 500 are kept so a
 * reconnecting client (`Last-Event-ID`) misses nothing. A client whose socket buffer grows past 1 MiB is not
 * reading: it is disconnected and counted rather than buffered without bound.
 */
export class SseHub {
  private readonly clients = new Set<Client>();
  private readonly recent: Message[] = [];
  private nextId = 1;
  private readonly timer: NodeJS.Timeout;
  /** Clients dropped for not reading. */
  dropped = 0;

  /**
   * `alive` is asked at every heartbeat whether a stream's session still holds (and keeps it from idling out: a
   * wall screen that only watches is in use); a stream whose session ended (logout, absolute expiry) is closed.
   */
  constructor(
    heartbeatMs: number = SSE.heartbeatMs,
    private readonly alive: (s: Session) => boolean = () => true,
  ) {
    this.timer = setInterval(() => this.heartbeat(), heartbeatMs);
    this.timer.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Whether the session may open another stream. */
  mayOpen(session: Session): boolean {
    return session.streams < SSE.perSession;
  }

  open(res: ServerResponse, session: Session, lastEventId: string | undefined): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: ${SSE.retryMs}\n\n`);
    const client: Client = { res, session };
    session.streams++;
    this.clients.add(client);
    res.on('close', () => {
      if (this.clients.delete(client)) session.streams--;
    });
    const after = Number(lastEventId);
    if (Number.isSafeInteger(after) && after > 0) for (const m of this.recent) if (m.id > after) this.write(client, m.text);
  }

  /** Sends one message to every client; `type` undefined is the default `message` type. */
  send(data: unknown, type?: string): void {
    const id = this.nextId++;
    // JSON.stringify never emits a raw newline, so one `data:` line is always enough.
    const text = `id: ${id}\n${type ? `event: ${type}\n` : ''}data: ${safeJson(data)}\n\n`;
    this.recent.push({ id, text });
    if (this.recent.length > SSE.replay) this.recent.shift();
    this.writeAll(text);
  }

  /** Ends every stream (logout of a user, shutdown). */
  close(filter: (s: Session) => boolean = () => true): void {
    for (const c of [...this.clients]) if (filter(c.session)) c.res.end();
  }

  stop(): void {
    clearInterval(this.timer);
    this.close();
  }

  private heartbeat(): void {
    for (const c of [...this.clients]) {
      if (this.alive(c.session)) this.write(c, ': ping\n\n');
      else c.res.end();
    }
  }

  private writeAll(text: string): void {
    for (const c of [...this.clients]) this.write(c, text);
  }

  private write(c: Client, text: string): void {
    // Ended (logout) but not yet closed: it leaves the set on 'close'; nothing more goes to it.
    if (c.res.writableEnded) return;
    if (c.res.writableLength > SSE.maxQueuedBytes) {
      this.dropped++;
      this.clients.delete(c);
      c.session.streams--;
      c.res.destroy();
      return;
    }
    c.res.write(text);
  }
}
