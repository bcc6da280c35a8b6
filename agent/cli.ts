#!/usr/bin/env node
/**
 * `qmon`: the one entry point for provincial IT staff. User mistakes (bad config, missing models, missing ffmpeg)
 * end with a one-line explanation and a non-zero exit code, never a stack trace.
 */
import { parseArgs } from 'node:util';
import { COMMANDS, HELP } from './cli/commands.js';
import { UserError } from './cli/user-error.js';
import { AGENT_VERSION } from './version.js';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'V' } },
    strict: false,
    allowPositionals: true,
  });
  const name = positionals[0];
  if (values.version && !name) {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }
  if (!name || (values.help && !name)) {
    process.stdout.write(HELP);
    return name ? 0 : values.help ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`qmon: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  return command(argv.slice(argv.indexOf(name) + 1));
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UserError) {
      process.stderr.write(`qmon: ${e.message}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    // An option a command does not know (node:util parseArgs): a usage mistake, not a bug.
    if (isParseArgsError(e)) {
      process.stderr.write(`qmon: ${e.message}\n(see qmon --help)\n`);
      process.exitCode = 2;
      return;
    }
    // A bug, not a user mistake: keep the stack for the report.
    process.stderr.write(`qmon: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  },
);

function isParseArgsError(e: unknown): e is Error {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).code!.startsWith('ERR_PARSE_ARGS');
}
