// A throwaway PostgreSQL server for tests: Debian's binaries, a temp data dir, its own loopback port,
// fsync off. initdb refuses root, so as root it runs as the `postgres` user (runuser).
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../uplink/mosquitto.js';

const run = promisify(execFile);

/** The newest installed PostgreSQL's bin folder, or null (then the caller skips and says why). */
export function postgresBin(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? null : join(base, versions[0], 'bin');
}

export const POSTGRES_MISSING = 'PostgreSQL is not installed (/usr/lib/postgresql/*/bin/initdb; scripts/setup.sh installs it)';

export interface TestPostgres {
  /** `postgres://…/qmon` of a fresh database. */
  readonly url: string;
  /** A further fresh database on the same server. */
  createDb(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** `durable`: fsync and synchronous commits on (for benchmarks); tests run without them. */
export async function startPostgres(opts: { durable?: boolean } = {}): Promise<TestPostgres> {
  const bin = postgresBin();
  if (bin === null) throw new Error(POSTGRES_MISSING);
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'qmon-pg-'));
  const data = join(dir, 'data');
  const pgUser = asRoot ? (await run('id', ['-u', 'postgres'])).stdout.trim() : null;
  const pgGroup = asRoot ? (await run('id', ['-g', 'postgres'])).stdout.trim() : null;
  if (pgUser !== null && pgGroup !== null) chownSync(dir, Number(pgUser), Number(pgGroup));
  const as = (cmd: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args));
  const port = await freePort();
  try {
    await as(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions']);
    const serverOpts = `-c listen_addresses=127.0.0.1 -c port=${port} -k ${dir} -c max_connections=200${
      opts.durable === true ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off'
    }`;
    await as(join(bin, 'pg_ctl'), ['-D', data, '-o', serverOpts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start a test PostgreSQL: ${(e as Error).message}`);
  }
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const createDb = async (name: string): Promise<string> => {
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE ${name}`);
    } finally {
      await c.end();
    }
    return `postgres://postgres@127.0.0.1:${port}/${name}`;
  };
  const url = await createDb('qmon');
  return {
    url,
    createDb,
    stop: async () => {
      await as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
