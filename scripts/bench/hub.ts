/**
 * Hub scale-out numbers (issue #14): real mosquitto, a real PostgreSQL (durable: fsync and synchronous commit
 * on), hub processes started as `qmon hub run --shared --db postgres://…`, facilities from `qmon sim`'s fleet
 * (in this process). Reports, never asserts.
 *   hub-commit      events (seqs) per second committed to PostgreSQL and ACKed, with 1 and with 2 hub processes
 *                   and with 1 process without the per-facility budget (`--no-facility-budget`, its cost): a fleet with a
 *                   backlog reconnects at once and replays uncapped; rate = backlog / drain time; also the CPU
 *                   seconds of the hub processes, since the fleet, mosquitto and PostgreSQL share the machine
 *   hub-steady      2,000 facilities (≈ 5,400 cameras) at the national steady rate, 2 hub processes: all acked?
 *   hub-herd        2,000 facilities each holding a one-hour backlog at that rate reconnect at once
 *                   (replay cap 5 rows/s per facility, the agent's default), 2 hub processes: seconds to drain
 * QMON_BENCH_HUB_SCALE (default 1) scales durations and the fleet for a quick look on a shared machine;
 * QMON_BENCH_HUB_PROFILE=DIR writes a V8 CPU profile of each hub process there (`node --cpu-prof`).
 * `npm run bench -- hub-commit` or `-- hub-fleet` runs one half (`hub` runs both).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { provisionFleet } from '../../agent/cli/sim.js';
import { fleetFids, runFleet, type FleetOptions, type FleetSummary } from '../../hub/sim/index.js';
import { startPostgres, type TestPostgres } from '../../test/support/postgres.js';
import { Mosquitto, freePort } from '../../test/uplink/mosquitto.js';
import { procCpuMs } from './cpu.js';

const REPO = join(import.meta.dirname, '../..');
const SCALE = Number(process.env.QMON_BENCH_HUB_SCALE ?? 1) || 1;
/** Assumed national load: 10 violations per camera per hour, 2.7 cameras per facility (5,400 / 2,000). */
const VIOLATIONS_PER_CAMERA_HOUR = 10;
const CAMERAS_PER_FACILITY = 2.7;
const STEADY_RATE = (VIOLATIONS_PER_CAMERA_HOUR * CAMERAS_PER_FACILITY) / 3600; // violations/s per facility

type Row = Record<string, unknown> & { scenario: string };

/** A folder for V8 CPU profiles of the hub processes (`--cpu-prof`), to see where their time goes. */
const PROFILE_DIR = process.env.QMON_BENCH_HUB_PROFILE;

function startHub(broker: string, db: string, id: string, extra: readonly string[] = []): Promise<ChildProcess> {
  const node = ['--import', 'tsx', ...(PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR] : [])];
  const proc = spawn(process.execPath, [...node, join(REPO, 'agent/cli.ts'), 'hub', 'run', '--broker', broker, '--db', db, '--shared', '--client-id', id, ...extra], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`hub ${id} not online within 90 s: ${out}`)), 90_000);
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('hub online')) {
        clearTimeout(t);
        resolve(proc);
      }
    });
    proc.once('exit', (c) => reject(new Error(`hub ${id} exited (${c}): ${out}`)));
  });
}

/** SIGTERM, then SIGKILL if it has not exited within 15 s; resolves once it is gone. */
function stopHub(h: ChildProcess): Promise<void> {
  if (h.exitCode !== null || h.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => h.kill('SIGKILL'), 15_000);
    h.once('exit', () => (clearTimeout(t), resolve()));
    h.kill('SIGTERM');
  });
}

/** What the hub processes cost while `fn` ran: CPU seconds of the hub processes (user + system). */
interface HubCost {
  hubCpuS: number;
}

async function withHubs<T>(n: number, fids: readonly string[], fn: (broker: string) => Promise<T>, extra: readonly string[] = []): Promise<T & HubCost> {
  const dir = mkdtempSync(join(tmpdir(), 'qmon-bench-hub-'));
  let pg: TestPostgres | null = null;
  const mosq = new Mosquitto(await freePort(), dir, ['allow_anonymous true', 'max_queued_messages 100000']);
  const hubs: ChildProcess[] = [];
  try {
    pg = await startPostgres({ durable: true });
    await mosq.start();
    await provisionFleet(pg.url, fids);
    for (let i = 0; i < n; i++) hubs.push(await startHub(mosq.url, pg.url, `bench-hub-${i}`, extra));
    const cpu = () => hubs.reduce((ms, h) => ms + (h.pid === undefined ? 0 : procCpuMs(h.pid)), 0);
    const before = cpu();
    const out = await fn(mosq.url);
    return { ...out, hubCpuS: (cpu() - before) / 1000 };
  } finally {
    await Promise.all(hubs.map((h) => stopHub(h)));
    await mosq.stop();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function fleet(o: Omit<FleetOptions, 'url' | 'prefix'>, broker: string): Promise<FleetSummary> {
  const s = await runFleet({ ...o, url: broker, prefix: 'bench' }).done;
  process.stderr.write(`bench hub: fleet ${JSON.stringify(s)}\n`);
  return s;
}

/** Commit + ACK throughput: `facilities` each with `perFacility` violations of backlog, replayed uncapped. */
async function commitRate(processes: number, extra: readonly string[] = []): Promise<Row> {
  const facilities = Math.round(200 * SCALE);
  const perFacility = 25; // 50 seqs each
  const s = await withHubs(
    processes,
    fleetFids('bench', facilities),
    (broker) => fleet({ facilities, seconds: 0, ratePerS: perFacility, outageS: 1, replayRatePerS: 10_000, drainTimeoutS: 150, heartbeatMs: 30_000 }, broker),
    extra,
  );
  return {
    scenario: 'hub-commit',
    hub_processes: processes,
    ...(extra.length > 0 && { hub_flags: extra.join(' ') }),
    facilities,
    seqs: s.backlog_seqs,
    drained: s.drained,
    seconds: s.herd_seconds_to_drain,
    seqs_per_s: s.herd_seconds_to_drain ? Math.round(s.backlog_seqs / s.herd_seconds_to_drain) : null,
    duplicate_acks: s.duplicate_acks,
    hub_cpu_s: Math.round(s.hubCpuS * 100) / 100,
    // The fleet, mosquitto and PostgreSQL share this machine: seqs per CPU-second of the hub processes is what
    // one hub process would commit with a core of its own.
    seqs_per_hub_cpu_s: s.hubCpuS > 0 ? Math.round(s.backlog_seqs / s.hubCpuS) : null,
    note: 'seconds include connecting the fleet (MQTT sessions, birth, status) as the herd would',
  };
}

async function steadyAndHerd(): Promise<Row[]> {
  const facilities = Math.round(2000 * SCALE);
  const seconds = Math.round(30 * SCALE);
  const fids = fleetFids('bench', facilities);
  const steady = await withHubs(2, fids, (broker) =>
    fleet({ facilities, seconds, ratePerS: STEADY_RATE, outageS: 0, heartbeatMs: 30_000, drainTimeoutS: 60, connectBatch: 200 }, broker),
  );
  // One hour of backlog per facility at the steady rate, recorded in a compressed outage (the rows are what count).
  const outageS = 5;
  const herd = await withHubs(2, fids, (broker) =>
    fleet(
      { facilities, seconds: 0, ratePerS: (STEADY_RATE * 3600) / outageS, outageS, replayRatePerS: 5, heartbeatMs: 30_000, drainTimeoutS: 240, connectBatch: 200 },
      broker,
    ),
  );
  return [
    {
      scenario: 'hub-steady',
      hub_processes: 2,
      facilities,
      cameras: Math.round(facilities * CAMERAS_PER_FACILITY),
      violations_per_s: Math.round(facilities * STEADY_RATE * 100) / 100,
      seqs_per_s: Math.round(facilities * STEADY_RATE * 2 * 100) / 100,
      seconds,
      seqs: steady.seqs_produced,
      seqs_acked: steady.seqs_acked,
      drained: steady.drained,
      seconds_to_drain_after_stop: steady.seconds_to_drain,
      hub_cpu_s: Math.round(steady.hubCpuS * 100) / 100,
      note: `assumed ${VIOLATIONS_PER_CAMERA_HOUR} violations per camera-hour (two revisions each) and a heartbeat per facility every 30 s`,
    },
    {
      scenario: 'hub-herd',
      hub_processes: 2,
      facilities,
      outage: '1 h of backlog per facility (recorded in a compressed outage)',
      backlog_seqs: herd.backlog_seqs,
      replay_cap_per_facility: 5,
      drained: herd.drained,
      seconds_to_drain: herd.herd_seconds_to_drain,
      seqs_per_s: herd.herd_seconds_to_drain ? Math.round(herd.backlog_seqs / herd.herd_seconds_to_drain) : null,
      duplicate_acks: herd.duplicate_acks,
      hub_cpu_s: Math.round(herd.hubCpuS * 100) / 100,
    },
  ];
}

export { commitRate };

/** `hub-commit`: one and two processes, and one process with per-facility admission off (its cost). */
export async function benchHubCommit(): Promise<Row[]> {
  return [await commitRate(1), await commitRate(1, ['--no-facility-budget']), await commitRate(2)];
}

export async function benchHub(): Promise<Row[]> {
  return [...(await benchHubCommit()), ...(await steadyAndHerd())];
}

export { steadyAndHerd as benchHubFleet };
