/**
 * Guard dashboard numbers (issue #11): how long from a violation being recorded to its server-sent event, and to its
 * card drawn in Chromium, and the server's RSS with 20 open event streams. Real parts: the agent's LocalServer over
 * a real SQLite store, fed by the real ViolationLifecycle (test/local/browser/rig.ts, the same rig as the browser
 * tests), in a child process so its RSS is the server's own; 20 logged-in sessions each reading /api/stream; Debian's
 * Chromium showing the alerts page. Times are epoch ms from one machine clock (record time in the server process,
 * receive time here, a MutationObserver's time in the page). Reports, never asserts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { CAMERAS, epochNow, startRig, type Rig } from '../../test/local/browser/rig.js';

const ALERTS = 60;
/** One crossing per camera per second across the 4 cameras: a busy corridor shift, far above a usual hour. */
const RATE_PER_S = 4;
const STREAMS = 20;
const PASSWORD = 'bench-password-1';

type Row = Record<string, unknown> & { scenario: string };
type ToChild = { op: 'cross'; camera: string } | { op: 'rss' } | { op: 'stop' };
type FromChild = { ready: { url: string; code: string } } | { crossed: { eventId: string; recordedAt: number } } | { rss: number };

/** Child side: the server and its store, driven over IPC. */
async function child(): Promise<void> {
  const rig: Rig = await startRig();
  const send = (m: FromChild): void => void process.send!(m);
  process.on('message', (m: ToChild) => {
    if (m.op === 'cross') {
      void rig.lineCross(m.camera).then((v) => send({ crossed: { eventId: v.eventId, recordedAt: rig.recordedAt.get(v.eventId)! } }));
    } else if (m.op === 'rss') {
      (globalThis as { gc?: () => void }).gc?.();
      send({ rss: process.memoryUsage().rss });
    } else void rig.stop().then(() => process.exit(0));
  });
  send({ ready: { url: rig.url, code: rig.setupCode() } });
}

class ServerProcess {
  private readonly waiters: ((m: FromChild) => boolean)[] = [];
  readonly crossed = new Map<string, number>();
  private constructor(private readonly proc: ChildProcess) {
    proc.on('message', (m: FromChild) => {
      if ('crossed' in m) this.crossed.set(m.crossed.eventId, m.crossed.recordedAt);
      const i = this.waiters.findIndex((w) => w(m));
      if (i >= 0) this.waiters.splice(i, 1);
    });
  }

  static async start(): Promise<{ server: ServerProcess; url: string; code: string }> {
    const proc = fork(fileURLToPath(import.meta.url), ['--dashboard-server'], { execArgv: [...process.execArgv, '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const server = new ServerProcess(proc);
    const ready = await server.next((m) => ('ready' in m ? m.ready : undefined), 'the dashboard server to start');
    return { server, ...ready };
  }

  next<T>(pick: (m: FromChild) => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      this.waiters.push((m) => {
        const v = pick(m);
        if (v === undefined) return false;
        clearTimeout(timer);
        resolve(v);
        return true;
      });
    });
  }

  send(m: ToChild): void {
    this.proc.send(m);
  }

  rssMb(): Promise<number> {
    this.send({ op: 'rss' });
    return this.next((m) => ('rss' in m ? m.rss / 1024 / 1024 : undefined), 'the server RSS');
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.send({ op: 'stop' });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    this.proc.kill('SIGKILL');
  }
}

export async function api(url: string, path: string, body: unknown, cookie = '', csrf = ''): Promise<{ cookie: string; json: Record<string, unknown> }> {
  const res = await fetch(new URL(path, url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(cookie && { Cookie: cookie }), ...(csrf && { 'X-CSRF-Token': csrf }) },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return { cookie: (res.headers.get('set-cookie') ?? cookie).split(';')[0]!, json: (await res.json()) as Record<string, unknown> };
}

/** An open /api/stream; `seen` gets the receive time of each event id's first message; `each` sees every message. */
export async function openStream(url: string, cookie: string, seen: Map<string, number> | null, each?: (msg: string, at: number) => void): Promise<AbortController> {
  const ctl = new AbortController();
  const res = await fetch(new URL('/api/stream', url), { headers: { Cookie: cookie, Accept: 'text/event-stream' }, signal: ctl.signal });
  if (!res.ok || !res.body) throw new Error(`GET /api/stream: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      const now = epochNow();
      buf += value;
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const msg = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const id = /"event_id":"([^"]+)"/.exec(msg)?.[1];
        if (seen && id && !seen.has(id)) seen.set(id, now);
        each?.(msg, now);
      }
    }
  })();
  return ctl;
}

/** In the page: the time each alert card is first added to the DOM, by event id (a MutationObserver). */
const OBSERVER = `
  window.__drawn = {};
  new MutationObserver((records) => {
    const t = performance.timeOrigin + performance.now();
    for (const r of records) for (const n of r.addedNodes) {
      const id = n.dataset && n.dataset.eventId;
      if (id && !(id in window.__drawn)) window.__drawn[id] = t;
    }
  }).observe(document, { childList: true, subtree: true });
`;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
}

const until = async (cond: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

export async function benchDashboard(): Promise<Row[]> {
  const { server, url, code } = await ServerProcess.start();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const streams: AbortController[] = [];
  try {
    const admin = await api(url, '/api/setup', { code, username: 'admin', password: PASSWORD });
    await api(url, '/api/users', { username: 'guard', role: 'guard', password: PASSWORD }, admin.cookie, String(admin.json.csrf));
    const rssIdle = await server.rssMb();

    const sseSeen = new Map<string, number>();
    for (let i = 0; i < STREAMS; i++) {
      const { cookie } = await api(url, '/api/session', { username: 'guard', password: PASSWORD });
      streams.push(await openStream(url, cookie, i === 0 ? sseSeen : null));
    }

    const page: Page = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, baseURL: url })).newPage();
    await page.addInitScript({ content: OBSERVER });
    await page.goto('/');
    await page.fill('#login-form input[name=username]', 'guard');
    await page.fill('#login-form input[name=password]', PASSWORD);
    await page.click('#login-form button[type=submit]');
    await page.waitForSelector('body[data-ready="1"][data-stream="up"]', { timeout: 15_000 });

    for (let i = 0; i < ALERTS; i++) {
      server.send({ op: 'cross', camera: CAMERAS[i % CAMERAS.length]! });
      await new Promise((r) => setTimeout(r, 1000 / RATE_PER_S));
    }
    await until(() => server.crossed.size === ALERTS, `${ALERTS} violations recorded`);
    await until(() => [...server.crossed.keys()].every((id) => sseSeen.has(id)), 'every alert on the event stream');
    const drawnIn = () => page.evaluate<Record<string, number>>('window.__drawn');
    await until(async () => {
      const d = await drawnIn();
      return [...server.crossed.keys()].every((id) => id in d);
    }, 'every alert card drawn in Chromium');
    const drawn = await drawnIn();
    const rss20 = await server.rssMb();

    const sseMs = [...server.crossed].map(([id, t]) => sseSeen.get(id)! - t);
    const drawMs = [...server.crossed].map(([id, t]) => drawn[id]! - t);
    const r1 = (x: number) => Math.round(x * 10) / 10;
    return [
      {
        scenario: 'dashboard',
        alerts: ALERTS,
        cameras: CAMERAS.length,
        rate_per_s: RATE_PER_S,
        sse_p50_ms: r1(pct(sseMs, 50)),
        sse_p95_ms: r1(pct(sseMs, 95)),
        sse_max_ms: r1(Math.max(...sseMs)),
        drawn_p50_ms: r1(pct(drawMs, 50)),
        drawn_p95_ms: r1(pct(drawMs, 95)),
        drawn_max_ms: r1(Math.max(...drawMs)),
        sse_streams: STREAMS,
        server_rss_mb_no_streams: r1(rssIdle),
        server_rss_mb_20_streams: r1(rss20),
        note:
          'violations recorded through the real ViolationLifecycle + Store (with a real blurred snapshot each) at 4/s round-robin over 4 configured ' +
          'cameras, not by 4 running camera pipelines; record time is taken in the sink right after the SQLite commit; ' +
          `${STREAMS} sessions each with one open /api/stream plus one Chromium page (1366x768) on the alerts view; RSS after gc`,
      },
    ];
  } finally {
    for (const s of streams) s.abort();
    await browser.close();
    await server.stop();
  }
}

if (process.argv.includes('--dashboard-server')) void child();
