/**
 * `qmon run`'s console: on a terminal (and through a pipe) the human lines in the facility's time and no JSON; under
 * systemd (--log-json, or stdout on the journal) the JSON log on stdout and the human lines on stderr. The decision
 * and the clock are unit-tested; three short real runs check what each audience sees (the terminal through `script`,
 * util-linux's pseudo-terminal).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { facilityClock, logTarget } from '../../agent/cli/console.js';

const REPO = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'qmon-console-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// UTC+14 all year: a line stamped in UTC is off by 14 hours, whatever the hour of the test.
const ZONE = 'Pacific/Kiritimati';
const HUMAN = /^\d\d:\d\d:\d\d {2}\S/;

describe('where the lines go, and their clock', () => {
  it('JSON on stdout only with --log-json or when stdout is the journal (JOURNAL_STREAM, set by systemd)', () => {
    expect(logTarget(false, {})).toBe('console');
    expect(logTarget(true, {})).toBe('journal');
    expect(logTarget(false, { JOURNAL_STREAM: '8:21567' })).toBe('journal');
    expect(logTarget(false, { JOURNAL_STREAM: '' })).toBe('console');
  });

  it('stamps lines in the facility time zone, not UTC', () => {
    const at = Date.UTC(2026, 0, 1, 23, 30, 5);
    expect(facilityClock('Asia/Ho_Chi_Minh')(at)).toBe('06:30:05');
    expect(facilityClock(ZONE)(at)).toBe('13:30:05');
    expect(facilityClock('UTC')(at)).toBe('23:30:05');
  });
});

function config(name: string): { file: string; data: string } {
  const data = join(dir, name);
  const file = join(dir, `${name}.yaml`);
  const yaml = readFileSync(join(REPO, 'config/demo.yaml'), 'utf8')
    .replace(/^(\s*dir:).*$/m, `$1 ${data}`)
    .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0')
    .replace(/^(\s*name: "Demo.*)$/m, `$1\n  timezone: ${ZONE}`);
  writeFileSync(file, yaml);
  return { file, data };
}

/** Runs `command` to its end; stdout and stderr apart. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO, env: { ...process.env, QMON_LOG_LEVEL: 'info', JOURNAL_STREAM: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

const QMON = [process.execPath, '--import', 'tsx', join(REPO, 'agent/cli.ts')];
const lines = (text: string): string[] => text.split(/\r?\n/).filter((l) => l.trim() !== '');
/** Minutes since midnight of an `HH:MM:SS` stamp, and of now in ZONE: a line is in facility time when they agree. */
const minutes = (hhmmss: string): number => Number(hhmmss.slice(0, 2)) * 60 + Number(hhmmss.slice(3, 5));
const closeToNow = (stamp: string): boolean => {
  const d = Math.abs(minutes(stamp) - minutes(facilityClock(ZONE)(Date.now())));
  return Math.min(d, 1440 - d) <= 3;
};

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('qmon run, as each audience sees it', () => {
  it.skipIf(!hasScript)('on a terminal: human lines in facility time, no JSON', async () => {
    const { file, data } = config('tty');
    const cmd = [...QMON, 'run', '--config', file, '--duration', '1'].map((a) => `'${a}'`).join(' ');
    const r = await run('script', ['-qfec', cmd, '/dev/null']);
    expect(r.code, r.out + r.err).toBe(0);
    const shown = lines(r.out);
    expect(shown.some((l) => l.includes('--duration 1s reached')), r.out).toBe(true);
    for (const l of shown) expect(l, 'every line a human one').toMatch(HUMAN);
    expect(shown.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
    expect(closeToNow(shown[0]!.slice(0, 8)), `${shown[0]} is not ${ZONE} time (${facilityClock(ZONE)(Date.now())})`).toBe(true);
    expect(existsSync(join(data, 'logs', 'qmon.jsonl'))).toBe(true);
  }, 120_000);

  it('through a pipe without --log-json: the same human lines on stdout, the JSON in the log file', async () => {
    const { file, data } = config('pipe');
    const r = await run(QMON[0]!, [...QMON.slice(1), 'run', '--config', file, '--duration', '1']);
    expect(r.code, r.err).toBe(0);
    const shown = lines(r.out);
    expect(shown.length).toBeGreaterThan(3);
    for (const l of shown) expect(l).toMatch(HUMAN);
    expect(closeToNow(shown[0]!.slice(0, 8))).toBe(true);
    const json = lines(readFileSync(join(data, 'logs', 'qmon.jsonl'), 'utf8'));
    expect(json.length).toBeGreaterThan(0);
    for (const l of json) expect(() => JSON.parse(l) as unknown).not.toThrow();
  }, 120_000);

  it('under systemd (stdout on the journal): JSON lines on stdout, one human line per state change on stderr', async () => {
    const { file } = config('journal');
    const r = await run(QMON[0]!, [...QMON.slice(1), 'run', '--config', file, '--duration', '1'], { JOURNAL_STREAM: '8:21567' });
    expect(r.code, r.err).toBe(0);
    const json = lines(r.out);
    expect(json.length).toBeGreaterThan(0);
    for (const l of json) expect(() => JSON.parse(l) as unknown, l).not.toThrow();
    const human = lines(r.err);
    expect(human.some((l) => /camera {4}walkway online/.test(l)), r.err).toBe(true);
    for (const l of human) expect(l).toMatch(HUMAN);
  }, 120_000);
});
