/**
 * Every `qmon` command and subcommand answers `--help` (and `-h`) with its usage on stdout and exit 0. The commands
 * are called in process (the functions cli.ts dispatches to; a spawned tsx process each would take seconds); the
 * top-level help and the usage-error path go through the real process.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkConfigCommand } from '../../agent/cli/check-config.js';
import { discoverCommand } from '../../agent/cli/discover.js';
import { drawRulesCommand } from '../../agent/cli/draw-rules.js';
import { hubCommand } from '../../agent/cli/hub.js';
import { probeCommand } from '../../agent/cli/probe.js';
import { runCommand } from '../../agent/cli/run.js';
import { userCommand } from '../../agent/cli/user.js';

const REPO = new URL('../../', import.meta.url).pathname;

function qmon(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(REPO, 'agent/cli.ts'), ...args], { cwd: REPO, timeout: 60_000 }, (e, out, err) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, out, err }),
    );
  });
}

const STACK = /^\s+at .+:\d+:\d+\)?$/m;

const DISPATCH: Record<string, (argv: string[]) => Promise<number>> = {
  run: runCommand,
  'check-config': checkConfigCommand,
  discover: (argv) => discoverCommand(argv),
  probe: (argv) => probeCommand(argv),
  'draw-rules': drawRulesCommand,
  hub: hubCommand,
  user: userCommand,
};

const COMMANDS: readonly (readonly [args: string[], mentions: RegExp])[] = [
  [['run', '--help'], /qmon run --config FILE/],
  [['run', '--config', 'x.yaml', '-h'], /qmon run --config FILE/],
  [['check-config', '--help'], /qmon check-config FILE/],
  [['discover', '--help'], /discover/],
  [['probe', '--help'], /probe/],
  [['draw-rules', '--help'], /qmon draw-rules --config FILE/],
  [['hub', '--help'], /qmon hub run/],
  [['hub', 'run', '--help'], /qmon hub run/],
  [['hub', 'status', '--help'], /qmon hub status/],
  [['hub', 'facility', '--help'], /facility add/],
  [['user', '--help'], /user add/],
];

describe('qmon … --help', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each(COMMANDS)('%j prints its usage and exits 0', async (args, mentions) => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const [name, ...rest] = args;
    const code = await DISPATCH[name!]!(rest);
    vi.restoreAllMocks();
    expect(code).toBe(0);
    expect(out).toMatch(mentions);
  });

  it('qmon --help (the real process) prints the command list and exits 0', async () => {
    const r = await qmon(['--help']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/qmon hub status \(--db FILE \| --http URL\)/);
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
