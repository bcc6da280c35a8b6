/**
 * The live alert list's fan-out for `npm run bench -- hub-ui`: one hub service (`qmon hub run --http`'s own function,
 * in this process) with HUB_UI_SESSIONS (default 50) signed-in national sessions, each holding the alert stream open,
 * while another store on the same database — another hub process, as far as PostgreSQL can tell — commits
 * HUB_UI_FANOUT_RATE events a second (default 50) for HUB_UI_FANOUT_S seconds (default 10). An event reaches the
 * streams only through PostgreSQL's NOTIFY on commit and the service's LISTEN. Measured per (event, session): time from just before the commit was
 * asked for to the SSE message read by the client (an upper bound of commit → page; the clients share the process
 * with the hub, so the figure includes their own parsing).
 */
import { request } from 'node:http';
import { startHubService } from '../../agent/cli/hub.js';
import { silentLogger } from '../../agent/ops/index.js';
import { EventPayload, encodeEvent } from '../../contract/index.js';
import { PgHubStore } from '../../hub/index.js';
import { hashPassword } from '../../web/index.js';
import { violation } from '../../test/store/fixtures.js';

const PASSWORD = 'bench-hub-ui-password';
export interface FanOutResult {
  readonly sessions: number;
  readonly events_per_s: number;
  readonly events: number;
  readonly delivered: number;
  readonly expected: number;
  readonly commit_to_stream_p50_ms: number;
  readonly commit_to_stream_p95_ms: number;
  readonly commit_to_stream_max_ms: number;
  readonly process_rss_mb_max: number;
}

export async function benchFanOut(dbUrl: string, fid: string, sessions: number, rate: number, seconds: number): Promise<FanOutResult> {
  const svc = await startHubService({ broker: null, embeddedPort: 0, db: dbUrl, http: { host: '127.0.0.1', port: 0 }, logger: silentLogger() });
  const other = await PgHubStore.open(dbUrl);
  const streams: { close(): void }[] = [];
  const askedAt = new Map<string, number>();
  const latencies: number[] = [];
  let rssMax = 0;
  try {
    await (svc.hub.store as PgHubStore).users.addUser({ name: 'bench', tier: 'national', scope: null, hash: await hashPassword(PASSWORD) }, Date.now());
    const base = svc.httpUrl!;
    for (let i = 0; i < sessions; i++) {
      const r = await fetch(`${base}/ui/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bench', password: PASSWORD }) });
      if (r.status !== 200) throw new Error(`hub-ui fan-out: login ${i + 1} answered ${r.status}: ${await r.text()}`);
      const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
      streams.push(await openStream(`${base}/ui/api/stream`, cookie, (id) => {
        const t = askedAt.get(id);
        if (t !== undefined) latencies.push(performance.now() - t);
      }));
    }
    const total = rate * seconds;
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const v = violation(1_000_000 + i, { startedAt: Date.now(), updatedAt: Date.now() });
      const e = EventPayload.parse(JSON.parse(encodeEvent(v, { fid, session: 1, seq: 50_000_000 + i, replay: false, clock: { synced: true, source: 'chrony' } }).toString()));
      askedAt.set(v.eventId, performance.now());
      void other.ingest(e, Date.now());
      if (i % rate === 0) rssMax = Math.max(rssMax, process.memoryUsage().rss);
    }
    const expected = total * sessions;
    const deadline = performance.now() + 30_000;
    while (latencies.length < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))] ?? NaN);
    return {
      sessions, events_per_s: rate, events: total, delivered: latencies.length, expected,
      commit_to_stream_p50_ms: at(0.5), commit_to_stream_p95_ms: at(0.95), commit_to_stream_max_ms: at(1),
      process_rss_mb_max: Math.round(rssMax / 2 ** 20),
    };
  } finally {
    for (const s of streams) s.close();
    await other.close();
    await svc.stop();
  }
}

/** An SSE client: calls `onAlert` with the event id of every `alert` message. */
function openStream(url: string, cookie: string, onAlert: (eventId: string) => void): Promise<{ close(): void }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { cookie, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`hub-ui fan-out: stream answered ${res.statusCode}`));
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
          const msg = buf.slice(0, end);
          buf = buf.slice(end + 2);
          if (!/^event: alert$/m.test(msg)) continue;
          const data = /^data: (.*)$/m.exec(msg)?.[1];
          if (data) onAlert((JSON.parse(data) as { event_id: string }).event_id);
        }
      });
      resolve({ close: () => req.destroy() });
    });
    req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
    req.end();
  });
}
