/**
 * `qmon user …` as an installer runs it: a real process, the password on stdin, the real store in the config's
 * storage dir, one-line errors without a stack for mistakes, and every change in the audit log.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { userCommand } from '../../agent/cli/user.js';
import { UserError } from '../../agent/cli/user-error.js';
import { verifyPassword } from '../../agent/local/index.js';
import { silentLogger } from '../../agent/ops/index.js';
import { systemClock } from '../../agent/shared/clock.js';
import { Store } from '../../agent/store/index.js';

const REPO = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'qmon-cli-user-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const STACK = /^\s+at .+:\d+:\d+\)?$/m;

const config = join(dir, 'site.yaml');
writeFileSync(config, readFileSync(join(REPO, 'config/demo.yaml'), 'utf8').replace(/^(\s*dir:).*$/m, `$1 ${join(dir, 'data')}`));

function qmon(args: string[], stdin = ''): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'agent/cli.ts'), 'user', ...args], {
    cwd: REPO,
    encoding: 'utf8',
    input: stdin,
    timeout: 60_000,
    env: { ...process.env, QMON_LOG_LEVEL: 'warn' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function readStore<T>(fn: (s: Store) => T): T {
  const s = Store.open({ dir: join(dir, 'data'), clock: systemClock, logger: silentLogger() });
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

describe('qmon user', () => {
  it('answers --help with exit 0', async () => {
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    try {
      expect(await userCommand(['--help'])).toBe(0);
    } finally {
      write.mockRestore();
    }
    expect(out.join('')).toContain('qmon user add NAME --role guard|admin|auditor --config FILE --password-stdin');
  });

  it("loads a config whose secrets are env: references from the service's env file, as the service does", () => {
    // A real box's config names its camera passwords env:NAME; they live in /etc/qmon/qmon.env, not in root's shell.
    const withSecret = join(dir, 'secret.yaml');
    writeFileSync(withSecret, readFileSync(config, 'utf8').replace('  language: en', '  language: en\n  metrics_token: env:QMON_TEST_USER_TOKEN'));
    const missing = qmon(['list', '--config', withSecret, '--environment-file', join(dir, 'none.env')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/QMON_TEST_USER_TOKEN/);
    const envFile = join(dir, 'qmon.env');
    writeFileSync(envFile, 'QMON_TEST_USER_TOKEN=tok-123\n', { mode: 0o600 });
    expect(qmon(['list', '--config', withSecret, '--environment-file', envFile])).toMatchObject({ code: 0 });
  });

  it('adds users with the password from stdin (Argon2id), lists them without hashes, changes and disables them, audited', { timeout: 120_000 }, async () => {
    expect(qmon(['add', 'boss', '--role', 'admin', '--config', config, '--password-stdin'], 'first admin password\n')).toMatchObject({ code: 0 });
    expect(qmon(['add', 'an', '--role', 'guard', '--config', config, '--password-stdin'], 'guard password 1')).toMatchObject({ code: 0 });
    const list = qmon(['list', '--config', config, '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.out)).toEqual([
      { name: 'an', role: 'guard', disabled: false, created_at: expect.any(String) as string },
      { name: 'boss', role: 'admin', disabled: false, created_at: expect.any(String) as string },
    ]);
    expect(list.out).not.toContain('argon2');
    const hash = readStore((s) => s.dashboard('t', (q) => q.user('boss'))!.hash);
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'first admin password')).toBe(true); // the trailing newline is not part of it

    expect(qmon(['passwd', 'an', '--config', config, '--password-stdin'], 'another password 2')).toMatchObject({ code: 0 });
    expect(await verifyPassword(readStore((s) => s.dashboard('t', (q) => q.user('an'))!.hash), 'another password 2')).toBe(true);
    expect(qmon(['disable', 'an', '--config', config])).toMatchObject({ code: 0 });
    expect(readStore((s) => s.dashboard('t', (q) => q.user('an'))!.disabled)).toBe(true);
    const audit = readStore((s) => s.dashboard('t', (q) => q.auditPage(10)));
    expect(audit.map((e) => [e.user, e.action, e.target])).toEqual([
      ['(cli)', 'user_change', 'an'],
      ['(cli)', 'user_change', 'an'],
      ['(cli)', 'user_add', 'an'],
      ['(cli)', 'user_add', 'boss'],
    ]);
  });

  it('refuses bad arguments with a one-line message and the usage exit code', async () => {
    const cases: [string[], RegExp, number][] = [
      [['add', 'x1', '--role', 'guard', '--config', config], /--password-stdin is required/, 2],
      [['add', 'x1', '--role', 'root', '--config', config, '--password-stdin'], /--role: expected one of guard, admin, auditor/, 2],
      [['add', '<script>', '--role', 'guard', '--config', config, '--password-stdin'], /user name "<script>": expected 1-32 letters/, 2],
      [['add', 'x1', '--role', 'guard', '--password-stdin'], /--config FILE is required/, 2],
      [['add', 'x1', '--role', 'guard', '--config', join(dir, 'missing.yaml'), '--password-stdin'], /missing\.yaml/, 1],
      [['frobnicate'], /expected one of add, list, passwd, disable, enable/, 2],
      [['list', '--bogus'], /Unknown option '--bogus'/, 2],
    ];
    for (const [args, msg, code] of cases) {
      const e = await userCommand(args).then(() => null, (err: unknown) => err);
      expect(e, args.join(' ')).toBeInstanceOf(UserError);
      expect((e as UserError).message, args.join(' ')).toMatch(msg);
      expect((e as UserError).exitCode, args.join(' ')).toBe(code);
    }
  });

  it('prints a mistake found after reading stdin as one line without a stack, exit 1', { timeout: 120_000 }, () => {
    const cases: [string[], string, RegExp][] = [
      [['add', 'x1', '--role', 'guard', '--config', config, '--password-stdin'], 'short', /^qmon: password: must be at least 10 characters$/],
      [['passwd', 'nobody', '--config', config, '--password-stdin'], 'long enough pw', /^qmon: no user "nobody"$/],
    ];
    for (const [args, stdin, msg] of cases) {
      const r = qmon(args, stdin);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err.trim(), args.join(' ')).toMatch(msg);
      expect(r.err, args.join(' ')).not.toMatch(STACK);
    }
  });
});
