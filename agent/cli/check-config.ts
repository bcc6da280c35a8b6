import { parseArgs } from 'node:util';
import { checkConfig } from '../config/index.js';
import { UserError } from './user-error.js';

/** `qmon check-config FILE`: validate only; every error on its own line, exit 1 when there is any. */
export async function checkConfigCommand(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UserError('usage: qmon check-config FILE', 2);
  const result = await checkConfig(file);
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
