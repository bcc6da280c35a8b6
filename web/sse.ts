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

interface Client<S> {
  readonly res: ServerResponse;
  readonly session: S;
}

interface Message<S> {
  readonly id: number;
  readonly text: string;
  /** Which sessions may see it (the hub's province scoping); undefined: every one. */
  readonly to: ((s: S) => boolean) | undefined;
}

/**
 * Server-sent events to every open event stream (the guard dashboard's `/api/stream`, the hub's `/ui/api/stream`). Each message gets an increasing id; the last 500 are kept so a
 * reconnecting client (`Last-Event-ID`) misses nothing. A client whose socket buffer grows past 1 MiB is not
 * reading: it is disconnected and counted rather than buffered without bound.
 */
export class SseHub<S extends Session<string> = Session<string>> {
  private readonly clients = new Set<Client<S>>();
  private readonly recent: Message<S>[] = [];
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
    private readonly alive: (s: S) => boolean = () => true,
  ) {
    this.timer = setInterval(() => this.heartbeat(), heartbeatMs);
    this.timer.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Whether the session may open another stream. */
  mayOpen(session: S): boolean {
    return session.streams < SSE.perSession;
  }

  open(res: ServerResponse, session: S, lastEventId: string | undefined): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`retry: ${SSE.retryMs}\n\n`);
    const client: Client<S> = { res, session };
    session.streams++;
    this.clients.add(client);
    res.on('close', () => {
      if (this.clients.delete(client)) session.streams--;
    });
    const after = Number(lastEventId);
    if (Number.isSafeInteger(after) && after > 0) for (const m of this.recent) if (m.id > after && (m.to === undefined || m.to(session))) this.write(client, m.text);
  }

  /**
   * Sends one message to every client (or, with `to`, to the clients whose session it accepts; a replay after a
   * reconnect asks the same); `type` undefined is the default `message` type.
   */
  send(data: unknown, type?: string, to?: (s: S) => boolean): void {
    const id = this.nextId++;
    // JSON.stringify never emits a raw newline, so one `data:` line is always enough.
    const text = `id: ${id}\n${type ? `event: ${type}\n` : ''}data: ${safeJson(data)}\n\n`;
    this.recent.push({ id, text, to });
    if (this.recent.length > SSE.replay) this.recent.shift();
    for (const c of [...this.clients]) if (to === undefined || to(c.session)) this.write(c, text);
  }

  /** Ends every stream (logout of a user, shutdown). */
  close(filter: (s: S) => boolean = () => true): void {
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

  private write(c: Client<S>, text: string): void {
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
