import { parseArgs } from 'node:util';
import { checkConfig } from '../config/index.js';
import { DEFAULT_ENV_FILE, serviceEnv } from './env-file.js';
import { helpRequested, printHelp } from './help.js';
import { UserError } from './user-error.js';

const USAGE = `usage: qmon check-config FILE [--environment-file FILE]
  Validate a facility config and exit (0 = valid, 1 = errors, 2 = usage). Every error with file:line:col and key path.
  Secrets referenced as env:NAME are read from --environment-file (default ${DEFAULT_ENV_FILE}, if it exists) and
  the environment, as the service does: run it as root or as the agent's user (runuser -u qmon -- qmon check-config …).`;

/** `qmon check-config FILE`: validate only; every error on its own line, exit 1 when there is any. */
export async function checkConfigCommand(argv: string[]): Promise<number> {
  if (helpRequested(argv)) return printHelp(USAGE);
  let positionals: string[];
  let envFile: string | undefined;
  try {
    ({ positionals, values: { 'environment-file': envFile } } = parseArgs({ args: argv, allowPositionals: true, options: { 'environment-file': { type: 'string' } } }));
  } catch (e) {
    throw new UserError(`${(e as Error).message}\n${USAGE}`, 2);
  }
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UserError(USAGE, 2);
  const env = await serviceEnv(envFile ?? DEFAULT_ENV_FILE, 'check-config', (l) => process.stderr.write(`warning: ${l}\n`));
  const result = await checkConfig(file, { env });
  for (const e of result.errors) process.stderr.write(`error: ${e}\n`);
  for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  if (!result.ok) {
    process.stderr.write(`${file}: ${result.errors.length} error(s); the agent will not start with this config\n`);
    return 1;
  }
  const cams = result.config?.cameras.length ?? 0;
  process.stdout.write(`${file}: ok (${cams} camera${cams === 1 ? '' : 's'}${result.warnings.length ? `, ${result.warnings.length} warning(s)` : ''})\n`);
  return 0;
}
