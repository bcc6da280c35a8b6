/**
 * A real LocalServer on 127.0.0.1, port 0, over a real Store in a temp dir, and a small HTTP client that can set
 * any header (fetch cannot set Host). Shared by the dashboard API tests.
 */
import { request } from 'node:http';
import type { CameraConfig, LocalConfig } from '../../agent/config/index.js';
import { LocalServer, hashPassword, type CameraStateView, type HealthSource } from '../../agent/local/index.js';
import { silentLogger } from '../../agent/ops/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import type { Violation } from '../../agent/shared/types.js';
import { Store, type UserRole } from '../../agent/store/index.js';
import { tempDir } from '../decode/media.js';

export const PASSWORD = 'correct horse battery';

export function camera(id: string, name: string, extra: Partial<CameraConfig> = {}): CameraConfig {
  return {
    id,
    name,
    enabled: true,
    source: { kind: 'file', path: '/dev/null', loop: true },
    detect: { fps: 5, width: 320, height: 240, mode: 'full' },
    size: [320, 240],
    health: { stall_s: 20, offline_after_s: 60, frozen_s: 60 },
    hwaccel: 'none',
    priority: 'normal',
    rules: {
      lines: [{ id: 'door', name: 'Cửa chính', points: [[10, 10], [10, 200]], direction: 'in', min_frames: 3, cooldown_s: 30, severity: 'critical' }],
      zones: [{ id: 'room-1', name: 'Phòng 1', polygon: [[0, 0], [100, 0], [100, 100]], intrusion: true, loitering_s: null, inertia: 3, severity: null }],
      gathering: null,
      distancing: null,
      mask: false,
      tamper: true,
      mask_severity: null,
      tamper_severity: null,
      schedule: { allow_lines: [], allow_zones: [] },
    },
    ...extra,
  };
}

export interface Rig {
  readonly server: LocalServer;
  readonly store: Store;
  readonly clock: ManualClock;
  readonly dir: string;
  readonly port: number;
  /** The loopback listener for /metrics and /healthz (`local.metrics_listen`), when the config gives one. */
  readonly loopbackUrl: string | undefined;
  readonly said: string[];
  readonly states: Map<string, CameraStateView>;
  addUser(name: string, role: UserRole): Promise<void>;
  record(v: Violation): void;
  close(): Promise<void>;
}

export async function startRig(
  opts: {
    cameras?: CameraConfig[];
    local?: Partial<LocalConfig>;
    preview?: (id: string) => Promise<Buffer | null>;
    dir?: string;
    metrics?: () => Promise<{ contentType: string; body: string }>;
    health?: () => HealthSource;
    /** The dashboard's port (0: any free one). */
    port?: number;
  } = {},
): Promise<Rig> {
  // A given dir (a restart over the same data) belongs to the caller and is not removed.
  const tmp = opts.dir === undefined ? tempDir('local') : { dir: opts.dir, cleanup: () => undefined };
  const clock = new ManualClock(0, Date.UTC(2026, 5, 1, 8));
  const logger = silentLogger();
  const store = Store.open({ dir: tmp.dir, clock, logger });
  const said: string[] = [];
  const states = new Map<string, CameraStateView>();
  const server = new LocalServer({
    config: { listen: '127.0.0.1:0', host: '127.0.0.1', port: 0, language: 'en', tls: 'off', public_hosts: ['qmon-pc.local'], session_idle_min: 30, session_max_h: 12, review_window_s: 120, shift_h: 12, escalate_after_min: 5, mute_max_min: 60, ...opts.local },
    facility: { id: 'test-01', name: 'Test', timezone: 'Asia/Ho_Chi_Minh' },
    storageDir: tmp.dir,
    cameras: opts.cameras ?? [camera('cam-1', 'Gate 1')],
    store,
    clock,
    logger,
    version: '0.0.0-test',
    cameraState: (id) => states.get(id) ?? null,
    ...(opts.preview && { preview: opts.preview }),
    ...(opts.metrics && { metrics: opts.metrics }),
    ...(opts.health && { health: opts.health }),
    say: (l) => said.push(l),
  });
  const { url, loopbackUrl } = await server.start(opts.port ?? 0);
  const port = Number(new URL(url).port);
  return {
    server,
    store,
    clock,
    dir: tmp.dir,
    port,
    loopbackUrl,
    said,
    states,
    addUser: async (name, role) => {
      const hash = await hashPassword(PASSWORD);
      store.dashboard('test user', (q) => q.addUser(name, role, hash, clock.wall()), true);
    },
    record: (v) => {
      store.recordViolation(v, () => Buffer.from(JSON.stringify({ eventId: v.eventId, rev: v.rev })));
      server.publish(v);
    },
    close: async () => {
      await server.stop();
      store.close();
      tmp.cleanup();
    },
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface Call {
  readonly method?: string;
  readonly body?: unknown;
  /** Raw body bytes instead of JSON. */
  readonly raw?: string | Buffer;
  readonly cookie?: string;
  readonly csrf?: string;
  readonly host?: string;
  readonly headers?: Record<string, string>;
  /** Address to connect to (the server's listen address when it is not 127.0.0.1). */
  readonly address?: string;
}

export function call(port: number, path: string, c: Call = {}): Promise<Answer> {
  const body = c.raw ?? (c.body === undefined ? undefined : JSON.stringify(c.body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: c.address ?? '127.0.0.1',
        port,
        path,
        method: c.method ?? 'GET',
        headers: {
          host: c.host ?? `127.0.0.1:${port}`,
          ...(body !== undefined && { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }),
          ...(c.cookie && { cookie: c.cookie }),
          ...(c.csrf && { 'x-csrf-token': c.csrf }),
          ...c.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: <T>() => JSON.parse(text) as T });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export interface Login {
  readonly cookie: string;
  readonly csrf: string;
}

export async function login(port: number, username: string, password = PASSWORD): Promise<Login> {
  const a = await call(port, '/api/session', { method: 'POST', body: { username, password } });
  if (a.status !== 200) throw new Error(`login of ${username} answered ${a.status}: ${a.text}`);
  const setCookie = String(a.headers['set-cookie'] ?? '');
  return { cookie: setCookie.split(';')[0]!, csrf: a.json<{ csrf: string }>().csrf };
}

let n = 0;
/** A violation revision with a fresh UUIDv7-shaped id that sorts after the previous one. */
export function violation(extra: Partial<Violation> = {}, at = Date.UTC(2026, 5, 1, 8)): Violation {
  n++;
  const hex = (at + n).toString(16).padStart(12, '0');
  const eventId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-${n.toString(16).padStart(12, '0')}`;
  return {
    eventId,
    rev: 1,
    state: 'new',
    type: 'line_cross',
    severity: 'warning',
    cameraId: 'cam-1',
    rule: { id: 'door', version: 1 },
    lineId: 'door',
    direction: 'in',
    people: 1,
    confidence: 0.9,
    startedAt: at,
    endedAt: at,
    updatedAt: at,
    model: null,
    snapshot: null,
    ...extra,
  };
}

/** An open `/api/stream` of a session: every message kept, `next(cond)` waits (bounded) for the first one matching. */
export function openStream(port: number, cookie: string) {
  const messages: { id: string; event: string; data: string }[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  let resolveOpen!: () => void;
  const opened = new Promise<void>((r) => (resolveOpen = r));
  const req = request({ host: '127.0.0.1', port, path: '/api/stream', headers: { host: `127.0.0.1:${port}`, cookie } }, (res) => {
    if (res.statusCode !== 200) throw new Error(`stream answered ${res.statusCode}`);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.startsWith('retry:')) resolveOpen();
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        const m = { id: '', event: 'message', data: '' };
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) m.id = line.slice(4);
          else if (line.startsWith('event: ')) m.event = line.slice(7);
          else if (line.startsWith('data: ')) m.data = line.slice(6);
        }
        if (m.data) messages.push(m);
        for (const w of waiters.splice(0)) w();
      }
    });
  });
  req.end();
  return {
    opened,
    close: () => req.destroy(),
    next: (cond: (m: { id: string; event: string; data: string }) => boolean, timeoutMs = 5000) =>
      new Promise<{ id: string; event: string; data: string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for an SSE message`)), timeoutMs);
        const check = (): void => {
          const m = messages.find(cond);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          } else waiters.push(check);
        };
        check();
      }),
  };
}
