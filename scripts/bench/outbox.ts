/**
 * Store-and-forward numbers (QUALITY.md: "outbox throughput and replay drain rate; RSS over a long simulated
 * outage"). Real parts: the agent's SQLite file (WAL, synchronous=FULL) in a temp dir, Debian's mosquitto on a
 * free loopback port (started here), the reference hub ACKing after its own commit. Reports, never asserts.
 *   outbox-commit  recordViolation commits per second (one fsync each), and revisions per second in batches
 *   outbox-drain   live events per second through mosquitto to the hub and back (16 in flight)
 *   backlog-drain  a 10,000-event backlog at the default cap (5/s) on a simulated clock: simulated drain time
 *                  (the cap's doing) and the real time the machine needed for it
 *   outage-rss     RSS (after GC) every simulated 30 min across a 6-hour outage at 2 events/s
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ManualClock, systemClock, type Clock } from '../../agent/shared/clock.js';
import { uuidv7 } from '../../agent/shared/ids.js';
import type { Violation } from '../../agent/shared/types.js';
import { silentLogger } from '../../agent/ops/index.js';
import { Store } from '../../agent/store/index.js';
import { encodeEvent } from '../../contract/index.js';
import { Uplink, type UplinkOptions } from '../../agent/uplink/index.js';
import { ViolationRecorder } from '../../agent/pipeline/index.js';
import { ReferenceHub } from '../../hub/index.js';

const MOSQUITTO = '/usr/sbin/mosquitto';
const FID = 'bench-01';
const T0 = Date.UTC(2026, 0, 1, 8);

type Row = Record<string, unknown> & { scenario: string };

function violation(i: number): Violation {
  return {
    eventId: uuidv7(T0 + i),
    rev: 1,
    state: 'new',
    type: 'line_cross',
    severity: 'warning',
    cameraId: 'corridor-a',
    rule: { id: 'corridor-a-exit', version: 1 },
    lineId: 'corridor-a-exit',
    direction: 'in',
    people: 1,
    confidence: 0.87,
    startedAt: T0 + i,
    endedAt: T0 + i,
    updatedAt: T0 + i,
    model: { name: 'centernet-person', version: '1' },
    snapshot: { sha256: 'a'.repeat(64), bytes: 48_213, w: 640, h: 480, redaction: 'faces-blurred', file: `snapshots/${i}.jpg` },
  };
}

const encoder = (v: Violation) => (seq: number) =>
  encodeEvent(v, { fid: FID, session: 1, seq, replay: false, clock: { synced: true, source: 'chrony' } });

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!addr || typeof addr !== 'object') throw new Error('no free port');
  return addr.port;
}

async function startMosquitto(dir: string): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nset_tcp_nodelay true\n`);
  const proc: ChildProcess = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (up) return { url: `mqtt://127.0.0.1:${port}`, stop: () => proc.kill('SIGTERM') };
    await new Promise((r) => setTimeout(r, 25));
  }
  proc.kill('SIGKILL');
  throw new Error(`mosquitto did not start on port ${port}`);
}

function agent(dir: string, url: string, clock: Clock, over: Partial<UplinkOptions> = {}) {
  const store = Store.open({ dir, clock, logger: silentLogger() });
  const uplink = new Uplink({
    fid: FID,
    url,
    store,
    clock,
    logger: silentLogger(),
    birth: () => ({ version: 'bench', configHash: '00000000', cameras: [], rules: [], models: [] }),
    backoff: { baseMs: 50, capMs: 500 },
    tickMs: 50,
    ...over,
  });
  const recorder = new ViolationRecorder({ store, fid: FID, signer: over.signer ?? null, context: () => uplink.outboxContext() });
  recorder.onRecorded(() => uplink.pump());
  return { store, uplink, recorder };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

function benchCommit(dir: string): Row[] {
  const store = Store.open({ dir: join(dir, 'commit'), clock: systemClock, logger: silentLogger() });
  try {
    const single = 2_000;
    let t0 = performance.now();
    for (let i = 0; i < single; i++) {
      const v = violation(i);
      store.recordViolation(v, encoder(v));
    }
    const singleS = (performance.now() - t0) / 1000;
    const batches = 50;
    const size = 200;
    t0 = performance.now();
    for (let b = 0; b < batches; b++) {
      const items = Array.from({ length: size }, (_, k) => {
        const v = violation(single + b * size + k);
        return { violation: v, encode: encoder(v) };
      });
      store.recordViolations(items);
    }
    const batchS = (performance.now() - t0) / 1000;
    return [
      {
        scenario: 'outbox-commit',
        synchronous: store.settings().synchronous === 2 ? 'FULL' : String(store.settings().synchronous),
        single_commits_per_s: round(single / singleS),
        ms_per_commit: round((singleS * 1000) / single, 3),
        batch_size: size,
        batched_revisions_per_s: round((batches * size) / batchS),
      },
    ];
  } finally {
    store.close();
  }
}

async function benchDrain(dir: string, url: string): Promise<Row[]> {
  // This measures the agent's drain, as fast as it goes: the hub's per-facility budget (a real facility's rate) is off.
  const hub = new ReferenceHub({ url, dbFile: join(dir, 'hub-drain.db'), clock: systemClock, logger: silentLogger(), clientId: 'bench-hub-1', facilities: [FID], facilityBudget: null });
  await hub.start();
  const { store, uplink, recorder } = agent(join(dir, 'drain'), url, systemClock);
  try {
    const up = new Promise<void>((r) => uplink.once('connected', () => r()));
    uplink.start();
    await up;
    await sleep(200);
    const n = 5_000;
    let acked = 0;
    uplink.on('acked', (a) => (acked += a.acked));
    const t0 = performance.now();
    for (let b = 0; b < n / 500; b++) recorder.recordMany(Array.from({ length: 500 }, (_, k) => violation(b * 500 + k)));
    const enqueuedS = (performance.now() - t0) / 1000;
    while (acked < n) await sleep(5);
    const s = (performance.now() - t0) / 1000;
    return [{ scenario: 'outbox-drain', events: n, in_flight_max: 16, events_per_s: round(n / s), seconds: round(s, 2), enqueue_seconds: round(enqueuedS, 2), hub_duplicates: hub.stats().duplicates }];
  } finally {
    await uplink.stop();
    store.close();
    await hub.stop();
  }
}

async function benchBacklog(dir: string, url: string): Promise<Row[]> {
  // The agent's simulated clock runs faster than real time: the hub's per-facility budget (real time) is off.
  const hub = new ReferenceHub({ url, dbFile: join(dir, 'hub-backlog.db'), clock: systemClock, logger: silentLogger(), clientId: 'bench-hub-2', facilities: [FID], facilityBudget: null });
  await hub.start();
  const clock = new ManualClock(0, T0);
  // Default cap (5/s) and window (16): the agent's defaults.
  // tickMs 2: the relay's own wake-up timer is real time while its token bucket runs on the simulated clock;
  // the tick is what notices a simulated second has passed.
  const { store, uplink, recorder } = agent(join(dir, 'backlog'), url, clock, { ackTimeoutMs: 60_000, tickMs: 2 });
  try {
    const n = 10_000;
    // Recorded before the uplink starts, so every row is on the backlog lane (replay: true).
    for (let b = 0; b < n / 1_000; b++) recorder.recordMany(Array.from({ length: 1_000 }, (_, k) => violation(b * 1_000 + k)));
    let acked = 0;
    uplink.on('acked', (a) => (acked += a.acked));
    const up = new Promise<void>((r) => uplink.once('connected', () => r()));
    uplink.start();
    await up;
    const t0 = performance.now();
    const sim0 = clock.now();
    // One simulated second per step (the bucket holds one second's worth); wait for that second's ACKs.
    while (acked < n) {
      clock.advance(1_000);
      const target = Math.min(n, Math.floor(((clock.now() - sim0) / 1000) * 5));
      await sleep(0);
      for (let i = 0; i < 100 && acked < target; i++) await sleep(1);
    }
    const simS = (clock.now() - sim0) / 1000;
    return [
      {
        scenario: 'backlog-drain',
        events: n,
        replay_rate_per_s: 5,
        simulated_drain_s: round(simS),
        simulated_drain_min: round(simS / 60),
        real_s_for_simulation: round((performance.now() - t0) / 1000, 2),
        all_replay: hub.events(FID).every((e) => e.replay),
      },
    ];
  } finally {
    await uplink.stop();
    store.close();
    await hub.stop();
  }
}

async function benchOutageRss(dir: string): Promise<Row[]> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const rssMb = () => {
    gc();
    return round(process.memoryUsage().rss / 2 ** 20);
  };
  const clock = new ManualClock(0, T0);
  // A port nobody listens on: the broker is down for the whole outage; the reconnect loop keeps trying.
  const { store, uplink, recorder } = agent(join(dir, 'outage'), `mqtt://127.0.0.1:${await freePort()}`, clock);
  uplink.start();
  try {
    const perS = 2;
    const samples: number[] = [];
    let i = 0;
    for (let min = 0; min < 360; min++) {
      recorder.recordMany(Array.from({ length: perS * 60 }, () => violation(i++)));
      clock.advance(60_000);
      if (min % 30 === 0 || min === 359) samples.push(rssMb());
      if (min % 10 === 0) await sleep(1);
    }
    const db = statSync(store.file).size + (existsSync(`${store.file}-wal`) ? statSync(`${store.file}-wal`).size : 0);
    return [
      {
        scenario: 'outage-rss',
        simulated_hours: 6,
        events: i,
        rss_mb_every_30_min: samples,
        rss_mb_first: samples[0],
        rss_mb_last: samples.at(-1),
        rss_mb_max: Math.max(...samples),
        db_mb: round(db / 2 ** 20),
        pending: store.stats().pending,
      },
    ];
  } finally {
    await uplink.stop();
    store.close();
  }
}

/** Runs the four scenarios; mosquitto-dependent ones report a reason instead when it is missing. */
export async function benchOutbox(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'qmon-bench-outbox-'));
  const rows: Row[] = [];
  try {
    rows.push(...benchCommit(dir));
    if (!existsSync(MOSQUITTO)) {
      rows.push({ scenario: 'outbox-drain', skipped: `${MOSQUITTO} missing (Debian package mosquitto)` });
    } else {
      const mosq = await startMosquitto(dir);
      try {
        rows.push(...(await benchDrain(dir, mosq.url)));
        rows.push(...(await benchBacklog(dir, mosq.url)));
      } finally {
        mosq.stop();
      }
    }
    rows.push(...(await benchOutageRss(dir)));
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
