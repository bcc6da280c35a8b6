// `qmon sim` as an operator runs it: a real `qmon hub run` on a SQLite file and a real mosquitto, the fleet provisioned
// into the hub's registry by `--provision --db`, and the JSON summary read from stdout.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Mosquitto, freePort } from '../uplink/mosquitto.js';

const REPO = join(import.meta.dirname, '../..');
const QMON = [process.execPath, '--import', 'tsx', join(REPO, 'agent/cli.ts')];

describe('qmon sim against qmon hub run', () => {
  let dir: string;
  let mosq: Mosquitto;
  let hub: ChildProcess | null = null;
  let hubOut = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qmon-sim-run-'));
    mosq = new Mosquitto(await freePort(), dir);
    await mosq.start();
  }, 60_000);

  afterAll(async () => {
    hub?.kill('SIGKILL');
    await mosq?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('provisions its facilities, and every event it produces is acked by the hub', async () => {
    const db = join(dir, 'hub.db');
    // Provision first (registers the fleet and its keys), so the hub accepts and verifies the fleet from its first message.
    const provision = spawnSync(QMON[0]!, [...QMON.slice(1), 'sim', '--broker', mosq.url, '--facilities', '3', '--seconds', '0', '--provision', '--db', db, '--drain-timeout', '5'], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(provision.stderr).toMatch(/registered 3 new facilities \(of 3\)/);

    hub = spawn(QMON[0]!, [...QMON.slice(1), 'hub', 'run', '--broker', mosq.url, '--db', db], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    hub.stdout?.on('data', (d: Buffer) => (hubOut += d.toString()));
    hub.stderr?.on('data', (d: Buffer) => (hubOut += d.toString()));
    const deadline = Date.now() + 60_000;
    while (!hubOut.includes('hub online')) {
      if (Date.now() > deadline) throw new Error(`hub not online within 60 s:\n${hubOut}`);
      await new Promise((r) => setTimeout(r, 200));
    }

    const run = spawnSync(QMON[0]!, [...QMON.slice(1), 'sim', '--broker', mosq.url, '--facilities', '3', '--seconds', '4', '--rate', '2', '--drain-timeout', '60'], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { events_produced: number; seqs_produced: number; seqs_acked: number; unacked: number };
    expect(summary.events_produced).toBeGreaterThan(0);
    expect(summary.unacked).toBe(0);
    expect(summary.seqs_acked).toBeGreaterThanOrEqual(summary.seqs_produced);
    // Each facility's camera survey (signed, verified by the hub) is kept: three facilities, three cameras each.
    const read = new Database(db, { readonly: true });
    try {
      expect(read.prepare('SELECT count(*) AS n, sum(cameras) AS cameras FROM survey_latest').get()).toEqual({ n: 3, cameras: 9 });
    } finally {
      read.close();
    }
  }, 240_000);
});
