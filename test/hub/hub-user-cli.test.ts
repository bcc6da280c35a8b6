/**
 * `qmon hub user …` as an operator runs it: a real process, the password on stdin, the hub's SQLite file or its
 * PostgreSQL database; mistakes are one line naming what is wrong, exit 2, no stack and nothing written.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgHubStore, SqliteHubUsers } from '../../hub/index.js';
import { verifyPassword } from '../../web/index.js';
import { POSTGRES_MISSING, postgresBin, startPostgres, type TestPostgres } from '../support/postgres.js';

const REPO = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'qmon-hub-user-'));
const db = join(dir, 'hub.db');
const STACK = /^\s+at .+:\d+:\d+\)?$/m;
const PW = 'mật-khẩu-dài-đủ';

function qmon(args: string[], stdin = ''): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'agent/cli.ts'), 'hub', 'user', ...args], {
      cwd: REPO,
      env: { ...process.env, QMON_LOG_LEVEL: 'warn' },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    p.stdin.end(stdin);
  });
}

const pgReason = postgresBin() === null ? POSTGRES_MISSING : null;
if (pgReason !== null) console.warn(`SKIPPED hub user on PostgreSQL: ${pgReason}`);
let pgServer: TestPostgres | null = null;
beforeAll(async () => {
  if (pgReason === null) pgServer = await startPostgres();
}, 90_000);
afterAll(async () => {
  await pgServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('qmon hub user: bad input', () => {
  it.each([
    [['add', 'an', '--tier', 'ministry', '--password-stdin', '--db', db], PW, /--tier: expected one of national, province, facility, got "ministry"/],
    [['add', 'an', '--tier', 'province', '--password-stdin', '--db', db], PW, /--scope: a province user needs a scope \(the province\)/],
    [['add', 'an', '--tier', 'facility', '--scope', 'not a fid', '--password-stdin', '--db', db], PW, /--scope: scope of a facility user must be a fid/],
    [['add', 'an', '--tier', 'national', '--password-stdin', '--db', db], '', /password: must be at least 10 characters/],
    [['add', 'an', '--tier', 'national', '--password-stdin', '--db', db], '\n', /password: must be at least 10 characters/],
    [['add', 'an', '--tier', 'national', '--db', db], PW, /--password-stdin is required/],
    [['add', 'bad name!', '--tier', 'national', '--password-stdin', '--db', db], PW, /user name "bad name!": expected 1-32 letters/],
    [['add', 'an', '--tier', 'national', '--password-stdin'], PW, /--db FILE\|postgres:\/\/… is required/],
    [['remove', 'an', '--tier', 'national', '--db', db], '', /--tier and --scope only go with add/],
    [['rename', 'an', '--db', db], '', /unknown hub user subcommand "rename"/],
  ])('%j → exit 2 with a clear error, no stack, nothing stored', async (args, stdin, message) => {
    const r = await qmon(args, stdin);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(STACK);
    expect(r.code).toBe(2);
    const users = new SqliteHubUsers(db);
    expect(users.users()).toEqual([]);
    users.close();
  }, 60_000);
});

describe('qmon hub user on SQLite', () => {
  it('adds, lists, changes a password (ending sessions: updated_at moves) and removes; the hash is Argon2id', async () => {
    expect((await qmon(['add', 'lan', '--tier', 'province', '--scope', 'bac-giang', '--password-stdin', '--db', db], `${PW}\n`)).code).toBe(0);
    const again = await qmon(['add', 'lan', '--tier', 'national', '--password-stdin', '--db', db], PW);
    expect([again.code, again.err]).toEqual([2, expect.stringContaining('a user named lan exists already') as unknown]);
    const list = await qmon(['list', '--db', db]);
    expect(list.out).toMatch(/^lan\tprovince\tbac-giang\tvi\t/);
    const users = new SqliteHubUsers(db);
    const before = users.user('lan')!;
    expect(before.hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(before.hash, PW)).toBe(true);
    expect((await qmon(['password', 'lan', '--password-stdin', '--db', db], 'một-mật-khẩu-mới')).code).toBe(0);
    const after = users.user('lan')!;
    expect(after.updatedAt).toBeGreaterThan(before.updatedAt);
    expect(await verifyPassword(after.hash, 'một-mật-khẩu-mới')).toBe(true);
    expect((await qmon(['remove', 'lan', '--db', db])).code).toBe(0);
    const gone = await qmon(['remove', 'lan', '--db', db]);
    expect([gone.code, gone.err.trim()]).toEqual([1, 'qmon: no hub user named lan']);
    users.close();
  }, 120_000);
});

describe('qmon hub user on PostgreSQL', () => {
  it('keeps users in the hub database (migration 5), shared by every hub process', async (ctx) => {
    if (pgReason !== null) return ctx.skip();
    const url = await pgServer!.createDb('hubusers');
    expect((await qmon(['add', 'minh', '--tier', 'national', '--password-stdin', '--db', url], PW)).code).toBe(0);
    expect((await qmon(['add', 'an', '--tier', 'facility', '--scope', 'bg-0137', '--password-stdin', '--db', url], PW)).code).toBe(0);
    expect((await qmon(['list', '--db', url])).out).toMatch(/^an\tfacility\tbg-0137\tvi\t.*\nminh\tnational\t\tvi\t/);
    const store = await PgHubStore.open(url);
    try {
      const minh = await store.users.user('minh');
      expect(await verifyPassword(minh!.hash, PW)).toBe(true);
      expect(await store.users.setLang('minh', 'en')).toBe(true);
      expect((await store.users.user('minh'))!.updatedAt).toBe(minh!.updatedAt); // the language ends no session
    } finally {
      await store.close();
    }
    expect((await qmon(['remove', 'an', '--db', url])).code).toBe(0);
    expect((await qmon(['list', '--db', url])).out).toMatch(/^minh\tnational\t\ten\t/);
  }, 120_000);
});
