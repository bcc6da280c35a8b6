/**
 * The event stream's own rules, on a response whose unsent bytes the test controls: ids and replay after
 * Last-Event-ID, the per-session stream limit, and a client that stops reading is dropped and counted.
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SSE, SseHub, type Session } from '../../web/index.js';
import { waitFor } from '../decode/media.js';

class FakeResponse extends EventEmitter {
  text = '';
  writableLength = 0;
  destroyed = false;
  ended = false;
  writeHead(): this {
    return this;
  }
  write(s: string): boolean {
    this.text += s;
    return true;
  }
  end(): void {
    this.ended = true;
    this.emit('close');
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

const session = (role = 'guard'): Session => ({ id: 's', user: 'an', role, userVersion: 0, csrf: 'c', createdAt: 0, lastSeen: 0, streams: 0 });
const open = (hub: SseHub, s: Session, last?: string): FakeResponse => {
  const res = new FakeResponse();
  hub.open(res as unknown as ServerResponse, s, last);
  return res;
};

describe('SseHub', () => {
  it('numbers messages, replays those after Last-Event-ID, and tells the client how long to wait before reconnecting', () => {
    const hub = new SseHub(60_000);
    const s = session();
    const first = open(hub, s);
    hub.send({ n: 1 });
    hub.send({ n: 2 }, 'camera');
    expect(first.text).toBe(`retry: ${SSE.retryMs}\n\nid: 1\ndata: {"n":1}\n\nid: 2\nevent: camera\ndata: {"n":2}\n\n`);
    const back = open(hub, s, '1');
    expect(back.text).toBe(`retry: ${SSE.retryMs}\n\nid: 2\nevent: camera\ndata: {"n":2}\n\n`);
    hub.stop();
  });

  it('sends a scoped message only to the sessions it names, live and on a replay (the hub: a province sees its own)', () => {
    const hub = new SseHub(60_000);
    const north = session('north');
    const south = session('south');
    const [n, s] = [open(hub, north), open(hub, south)];
    hub.send({ p: 'north' }, 'alert', (x) => x.role === 'north');
    hub.send({ p: 'all' }, 'alert');
    expect(n.text).toContain('{"p":"north"}');
    expect(s.text).not.toContain('{"p":"north"}');
    expect(s.text).toContain('{"p":"all"}');
    const back = open(hub, south, '0');
    expect(open(hub, south, '0').text).toBe(back.text);
    expect(back.text).not.toContain('north');
    hub.stop();
  });

  it('allows a few streams per session and frees a slot when one closes', () => {
    const hub = new SseHub(60_000);
    const s = session();
    const streams = Array.from({ length: SSE.perSession }, () => open(hub, s));
    expect(hub.mayOpen(s)).toBe(false);
    streams[0]!.end();
    expect(hub.mayOpen(s)).toBe(true);
    hub.stop();
  });

  it('drops a client that stopped reading, counts it, and keeps serving the others', () => {
    const hub = new SseHub(60_000);
    const slow = open(hub, session());
    const fast = open(hub, session());
    slow.writableLength = SSE.maxQueuedBytes + 1;
    hub.send({ n: 1 });
    expect(slow.destroyed).toBe(true);
    expect(hub.dropped).toBe(1);
    expect(hub.size).toBe(1);
    hub.send({ n: 2 });
    expect(fast.text).toContain('data: {"n":2}');
    hub.stop();
  });

  it('sends a heartbeat comment so proxies and phones keep the connection', async () => {
    const hub = new SseHub(20);
    const res = open(hub, session());
    await waitFor(() => res.text.includes(': ping\n\n'), 'a heartbeat comment on the stream', 5000);
    hub.stop();
  });
});

describe('SseHub and sessions', () => {
  it('closes a stream at the heartbeat once its session has ended', async () => {
    let valid = true;
    const hub = new SseHub(20, () => valid);
    const res = open(hub, session());
    await waitFor(() => res.text.includes(': ping'), 'a first heartbeat', 5000);
    valid = false;
    await waitFor(() => res.ended, 'the stream of an ended session to close', 5000);
    expect(hub.size).toBe(0);
    hub.stop();
  });
});
