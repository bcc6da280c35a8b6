// Scale-out: two hub processes (`qmon hub run --shared`) on one mosquitto and one PostgreSQL, 200 simulated
// facilities, one hub process SIGKILLed midway. Every event stored exactly once, no seq gaps, liveness right.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgHubStore } from '../../hub/index.js';
import { runFleet, type Fleet } from '../../hub/sim/index.js';
import { provisionFleet } from '../../agent/cli/sim.js';
import { fleetFids } from '../../hub/sim/index.js';
import { tempDir } from '../store/fixtures.js';
import { Mosquitto, freePort } from '../uplink/mosquitto.js';
import { POSTGRES_MISSING, postgresBin, startPostgres, type TestPostgres } from '../support/postgres.js';

const REPO = join(import.meta.dirname, '../..');
const FACILITIES = 200;
const skipReason = postgresBin() === null ? POSTGRES_MISSING : null;
if (skipReason !== null) console.warn(`SKIPPED hub scale-out test: ${skipReason}`);

/** Waits for a condition, polling; fails naming what it waited for. */
async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface HubProcess {
  readonly proc: ChildProcess;
  out: string;
}

function startHub(broker: string, db: string, clientId: string): HubProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'agent/cli.ts'), 'hub', 'run', '--broker', broker, '--db', db, '--shared', '--client-id', clientId], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const h: HubProcess = { proc, out: '' };
  proc.stdout?.on('data', (d: Buffer) => (h.out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (h.out += d.toString()));
  return h;
}

describe.skipIf(skipReason !== null)('two hub processes on shared subscriptions, PostgreSQL, one killed midway', () => {
  let pgServer: TestPostgres;
  let mosq: Mosquitto;
  let tmp: { dir: string; cleanup: () => void };
  const hubs: HubProcess[] = [];
  let fleet: Fleet | null = null;
  let db: PgHubStore;

  beforeAll(async () => {
    tmp = tempDir('scale-out');
    [pgServer, mosq] = await Promise.all([startPostgres(), (async () => new Mosquitto(await freePort(), tmp.dir))()]);
    await mosq.start();
    db = await PgHubStore.open(pgServer.url); // migrates; the hubs find the schema in place
  }, 90_000);

  afterAll(async () => {
    await fleet?.stop();
    for (const h of hubs) if (h.proc.exitCode === null && h.proc.signalCode === null) h.proc.kill('SIGKILL');
    await db?.close();
    await mosq?.stop();
    await pgServer?.stop();
    tmp?.cleanup();
  });

  it('stores every event exactly once with no seq gaps, and every facility’s liveness right', async () => {
    expect(await provisionFleet(pgServer.url, fleetFids('sim', FACILITIES))).toBe(FACILITIES);
    hubs.push(startHub(mosq.url, pgServer.url, 'hub-a'), startHub(mosq.url, pgServer.url, 'hub-b'));
    await until('both hub processes online', () => hubs.every((h) => h.out.includes('hub online')), 60_000);

    fleet = runFleet({
      url: mosq.url,
      facilities: FACILITIES,
      seconds: 20,
      ratePerS: 0.1, // ≈ 400 violations, 800 seqs
      outageS: 0,
      prefix: 'sim',
      ackTimeoutMs: 5_000, // what the killed process had in flight comes back this soon
      heartbeatMs: 3_000,
      drainTimeoutS: 60,
      keepConnected: true,
    });
    const members = fleet.members;
    const acked = () => members.reduce((n, m) => n + m.counts.acked, 0);
    await until('a third of the run acked before the kill', () => acked() >= 250, 60_000);
    hubs[0]!.proc.kill('SIGKILL');
    const summary = await fleet.done;
    expect(summary).toMatchObject({ drained: true, unacked: 0 });
    expect(summary.seqs_acked).toBe(summary.seqs_produced);
    expect(hubs[0]!.proc.signalCode).toBe('SIGKILL');

    // Exactly once, no gaps: every facility's deliveries are 1..lastSeq, one event row per violation at rev 2.
    const events = await db.events();
    const byFid = new Map<string, number>();
    for (const e of events) byFid.set(e.fid, (byFid.get(e.fid) ?? 0) + 1);
    for (const m of members) {
      const seqs = await db.deliveredSeqs(m.fid);
      expect(seqs.length, m.fid).toBe(m.lastSeq);
      expect(seqs.every((s, i) => s === i + 1), m.fid).toBe(true);
      expect(await db.missingSeqs(m.fid)).toEqual([]);
      expect(byFid.get(m.fid) ?? 0, m.fid).toBe(m.counts.produced);
    }
    expect(events.every((e) => e.rev === 2 && e.state === 'end')).toBe(true);
    expect(events).toHaveLength(summary.events_produced);

    // Liveness, as both processes wrote it: online in the facility's session, with a fresh heartbeat.
    const live = await db.facilityStates();
    expect(live).toHaveLength(FACILITIES);
    for (const f of live) {
      const m = members.find((x) => x.fid === f.fid)!;
      expect(f, f.fid).toMatchObject({ status: 'online', session: m.currentSession });
      expect(f.birth?.session).toBe(m.currentSession);
      expect(Date.now() - (f.heartbeatAt ?? 0)).toBeLessThan(15_000);
    }
    // A clean stop of every facility: offline, by the surviving process alone.
    await fleet.stop();
    fleet = null;
    await until('every facility offline', async () => (await db.facilityStates()).every((f) => f.status === 'offline'), 30_000);
    hubs[1]!.proc.kill('SIGTERM');
  }, 240_000);
});
