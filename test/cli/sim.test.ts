// `qmon sim` argument checks, and `qmon hub run --db postgres://…` refusals that need no server.
import { describe, expect, it } from 'vitest';
import { simCommand } from '../../agent/cli/sim.js';
import { hubCommand } from '../../agent/cli/hub.js';
import { fleetFids } from '../../hub/sim/index.js';
import { FID_RE } from '../../contract/index.js';

describe('qmon sim and hub run --db postgres:// (bad input)', () => {
  it('names what is wrong with the sim arguments', async () => {
    await expect(simCommand(['--facilities', '2', '--seconds', '1'])).rejects.toThrow(/--broker mqtt:\/\/HOST:PORT is required/);
    await expect(simCommand(['--broker', 'mqtt://127.0.0.1:1', '--facilities', '0', '--seconds', '1'])).rejects.toThrow(/--facilities: expected a number >= 1/);
    await expect(simCommand(['--broker', 'mqtt://127.0.0.1:1', '--facilities', '2.5', '--seconds', '1'])).rejects.toThrow(/expected an integer/);
    await expect(simCommand(['--broker', 'mqtt://127.0.0.1:1', '--facilities', '2'])).rejects.toThrow(/--seconds S is required/);
    await expect(simCommand(['--broker', 'mqtt://127.0.0.1:1', '--facilities', '2', '--seconds', '1', '--prefix', 'BAD'])).rejects.toThrow(/--prefix/);
    await expect(simCommand(['--broker', 'mqtt://127.0.0.1:1', '--facilities', '2', '--seconds', '1', '--provision'])).rejects.toThrow(/--provision and --db go together/);
    await expect(simCommand(['--broker', 'mqtt://127.0.0.1:1', '--facilities', '2', '--seconds', '1', '--rate', 'x'])).rejects.toThrow(/--rate/);
  });

  it('gives the fleet valid facility ids', () => {
    const fids = fleetFids('sim', 2000);
    expect(fids[0]).toBe('sim-0001');
    expect(new Set(fids).size).toBe(2000);
    expect(fids.every((f) => FID_RE.test(f))).toBe(true);
  });

  it('refuses a PostgreSQL password in the URL, and options not on PostgreSQL yet, before connecting', async () => {
    await expect(hubCommand(['run', '--broker', 'mqtt://127.0.0.1:1', '--db', 'postgres://hub:s3cret@127.0.0.1:1/qmon'])).rejects.toThrow(/PGPASSWORD/);
    await expect(hubCommand(['run', '--broker', 'mqtt://127.0.0.1:1', '--db', 'postgres://hub:s3cret@127.0.0.1:1/qmon'])).rejects.not.toThrow(/s3cret/);
    await expect(hubCommand(['run', '--broker', 'mqtt://127.0.0.1:1', '--db', 'postgres://127.0.0.1:1/qmon', '--snapshots', '/tmp/x'])).rejects.toThrow(/--snapshots needs the SQLite store/);
    await expect(hubCommand(['run', '--broker', 'mqtt://127.0.0.1:1', '--db', 'postgres://127.0.0.1:1/qmon'])).rejects.toThrow(/cannot open the hub database postgres:\/\/127\.0\.0\.1:1\/qmon/);
  });
});
