/**
 * Every `qmon` command and subcommand answers `--help` (and `-h`) with its usage on stdout and exit 0. The walk
 * starts at `qmon --help`, calls each command it names with `--help`, and follows the subcommands each usage names
 * (`qmon hub facility add`, `qmon keys generate`, …) down to the leaves. The commands are called in process (the
 * table cli.ts dispatches from; a spawned tsx process each would take seconds); the top-level help and the
 * usage-error path go through the real process.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS, HELP } from '../../agent/cli/commands.js';
import { hubCommand } from '../../agent/cli/hub.js';

const REPO = new URL('../../', import.meta.url).pathname;

function qmon(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(REPO, 'agent/cli.ts'), ...args], { cwd: REPO, timeout: 60_000 }, (e, out, err) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, out, err }),
    );
  });
}

const STACK = /^\s+at .+:\d+:\d+\)?$/m;

/** Runs `qmon ARGS` in process with stdout captured; a thrown error (a usage error) is returned, not raised. */
async function call(args: readonly string[]): Promise<{ code: number | Error; out: string }> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    const [name, ...rest] = args;
    const command = COMMANDS[name!];
    if (!command) throw new Error(`qmon --help names "${name}", which is not a command`);
    return { code: await command([...rest]), out };
  } catch (e) {
    return { code: e as Error, out };
  } finally {
    vi.restoreAllMocks();
  }
}

/**
 * The subcommands a usage text names under `path`: the lowercase word right after `qmon PATH` on a usage line, and
 * the alternatives after each ` | ` when that word is the last of the line's command words (`qmon keys generate
 * --out DIR | show --key FILE` gives generate and show under keys, only keys at the top). Upper-case words are
 * arguments (FILE, NAME), `--x` options, and `a|b|c` without spaces an option's values (`--role guard|admin`).
 */
export function subcommands(usage: string, path: readonly string[]): string[] {
  const prefix = ['qmon', ...path, ''].join(' ');
  const word = (text: string): string | undefined => /^([a-z][a-z-]*)(?=\s|$|\))/.exec(text.trim())?.[1];
  const found = new Set<string>();
  for (const line of usage.split('\n')) {
    for (let at = line.indexOf(prefix); at >= 0; at = line.indexOf(prefix, at + prefix.length)) {
      const [first = '', ...alternatives] = line.slice(at + prefix.length).split(' | ');
      const head = word(first);
      if (head === undefined) continue;
      found.add(head);
      // `generate --out DIR | show`: alternatives to `generate`; `keys generate … | show`: not to `keys`.
      if (word(first.trim().slice(head.length)) !== undefined) continue;
      for (const alt of alternatives) {
        const w = word(alt);
        if (w !== undefined && w !== 'qmon') found.add(w);
      }
    }
  }
  return [...found];
}

/** Every command path reachable from `qmon --help`, each with the usage it printed for `--help`. */
async function walk(): Promise<Map<string, { code: number | Error; out: string }>> {
  const seen = new Map<string, { code: number | Error; out: string }>();
  const visit = async (path: string[], parentUsage: string): Promise<void> => {
    for (const sub of subcommands(parentUsage, path)) {
      const next = [...path, sub];
      const key = next.join(' ');
      if (seen.has(key)) continue;
      const r = await call([...next, '--help']);
      seen.set(key, r);
      await visit(next, r.out);
    }
  };
  await visit([], HELP);
  return seen;
}

describe('qmon … --help, walked from qmon --help', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reads subcommands out of usage lines, not option values or arguments', () => {
    const usage = `  qmon keys generate --out DIR | show --key FILE
  qmon user add NAME --role guard|admin|auditor --config FILE
  qmon user list | passwd NAME | disable NAME
  qmon hub run (--broker URL | --embedded [--port N])
  qmon check-config FILE`;
    expect(subcommands(usage, ['keys'])).toEqual(['generate', 'show']);
    expect(subcommands(usage, ['user'])).toEqual(['add', 'list', 'passwd', 'disable']);
    expect(subcommands(usage, ['hub'])).toEqual(['run']);
    expect(subcommands(usage, [])).toEqual(['keys', 'user', 'hub', 'check-config']);
  });

  it('every command and subcommand prints its own usage and exits 0', async () => {
    const seen = await walk();
    // The walk must reach at least these (the leaves the issue found failing among them); more is fine.
    for (const path of [
      'run', 'check-config', 'discover', 'probe', 'draw-rules', 'doctor', 'sim',
      'keys generate', 'keys show', 'user add', 'user list', 'user passwd', 'user disable', 'user enable',
      'hub run', 'hub status', 'hub keys generate', 'hub keys show',
      'hub facility add', 'hub facility list', 'hub facility remove', 'hub facility key',
      'hub token add', 'hub token list', 'hub token revoke',
      'hub user add', 'hub user list', 'hub user password', 'hub user remove',
    ]) {
      expect([...seen.keys()], path).toContain(path);
    }
    const failures = [...seen].filter(([path, r]) => r.code !== 0 || !r.out.includes(`qmon ${path}`));
    expect(failures.map(([path, r]) => `${path}: ${r.code instanceof Error ? r.code.message.split('\n')[0] : `exit ${r.code}`}`)).toEqual([]);
  });

  it('-h works as --help on the leaves too', async () => {
    for (const path of [['keys', 'generate'], ['hub', 'token', 'add'], ['hub', 'keys', 'show'], ['run', '--config', 'x.yaml']]) {
      const r = await call([...path, '-h']);
      expect(r.code, path.join(' ')).toBe(0);
      expect(r.out, path.join(' ')).toContain(`qmon ${path[0]}`);
    }
  });

  it('qmon --help (the real process) prints the command list and exits 0', async () => {
    const r = await qmon(['--help']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/qmon hub status \(--db FILE \| --http URL\)/);
  });

  it('qmon hub token add --help (the real process) prints the usage, not a parse error', async () => {
    const r = await qmon(['hub', 'token', 'add', '--help']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/qmon hub token add NAME --tier/);
    expect(r.err).toBe('');
  });

  it('an option a command does not know is a usage error (exit 2, one line), not a crash', async () => {
    const r = await qmon(['check-config', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bogus/);
    expect(r.err).not.toMatch(STACK);
  });

  it('hub status without a source says where the demo hub keeps its database', async () => {
    await expect(hubCommand(['status'])).rejects.toThrow(/hub\.db/);
  });
});
