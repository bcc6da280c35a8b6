import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApiAccess, isPostgresUrl, type ApiAccessStore } from '../../hub/index.js';
import { openPgStore } from './hub-pg.js';
import { helpRequested, printHelp } from './help.js';
import { UserError } from './user-error.js';

export const TOKEN_USAGE = `Usage:
  qmon hub token add NAME --tier national|province|facility [--scope PROVINCE_OR_FID] --db FILE|postgres://…
      Make an API token for the hub's HTTP API and print it ONCE (only its sha256 is stored). A province token
      sees the facilities registered with that province (qmon hub facility add FID --province P), a facility
      token its own fid. Give it to the reader out of band; clients send Authorization: Bearer TOKEN
      (qmon hub status --http reads it from QMON_HUB_TOKEN or --token-file, never from the command line).
  qmon hub token list --db FILE|postgres://…
  qmon hub token revoke NAME --db FILE|postgres://…`;

/** `qmon hub token add | list | revoke`. */
export async function hubTokenCommand(argv: string[], now: () => number = Date.now): Promise<number> {
  const [verb, ...rest] = argv;
  const write = (s: string) => process.stdout.write(s);
  if (verb === undefined || verb === '--help' || verb === '-h') {
    write(`${TOKEN_USAGE}\n`);
    return verb === undefined ? 2 : 0;
  }
  if (verb !== 'add' && verb !== 'list' && verb !== 'revoke') throw new UserError(`unknown hub token subcommand "${verb.slice(0, 40)}"\n${TOKEN_USAGE}`, 2);
  if (helpRequested(rest)) return printHelp(TOKEN_USAGE);
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { db: { type: 'string' }, tier: { type: 'string' }, scope: { type: 'string' } }, allowPositionals: true });
  } catch (e) {
    throw new UserError(`${(e as Error).message}\n${TOKEN_USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.db === undefined) throw new UserError(`--db FILE is required (the hub's database)\n${TOKEN_USAGE}`, 2);
  const pg = isPostgresUrl(values.db);
  if (!pg && verb !== 'add' && !existsSync(values.db)) throw new UserError(`hub database ${values.db} does not exist`);
  if (verb !== 'add' && (values.tier !== undefined || values.scope !== undefined)) throw new UserError(`--tier and --scope only go with add\n${TOKEN_USAGE}`, 2);
  const store = pg ? await openPgStore(values.db) : null;
  const access: ApiAccessStore = store?.access ?? new ApiAccess(values.db);
  try {
    if (verb === 'list') {
      const rows = await access.tokens();
      write(rows.length === 0 ? 'no API tokens\n' : rows.map((t) => `${t.name}\t${t.tier}\t${t.scope ?? ''}\t${new Date(t.createdAt).toISOString()}${t.revoked ? '\trevoked' : ''}\n`).join(''));
      return 0;
    }
    if (positionals.length !== 1) throw new UserError(`hub token ${verb} takes exactly one NAME\n${TOKEN_USAGE}`, 2);
    const name = positionals[0]!;
    if (verb === 'revoke') {
      if (!(await access.revoke(name))) throw new UserError(`no active token named ${name.slice(0, 64)}`);
      write(`revoked ${name}\n`);
      return 0;
    }
    if (values.tier === undefined) throw new UserError(`--tier national|province|facility is required\n${TOKEN_USAGE}`, 2);
    let token: string;
    try {
      token = await access.addToken(name, values.tier, values.scope ?? null, now());
    } catch (e) {
      throw new UserError((e as Error).message, 2);
    }
    write(`token for ${name} (${values.tier}${values.scope ? ` ${values.scope}` : ''}); shown once, store it now:\n${token}\n`);
    return 0;
  } finally {
    if (access instanceof ApiAccess) access.close();
    await store?.close();
  }
}
