import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isPostgresUrl, newUserProblem, SqliteHubUsers, type ApiTier, type HubUserStore } from '../../hub/index.js';
import { hashPassword, passwordProblem } from '../../web/index.js';
import { openPgStore } from './hub-pg.js';
import { helpRequested, printHelp } from './help.js';
import { readStdinPassword } from './user.js';
import { UserError } from './user-error.js';

export const HUB_USER_USAGE = `Usage:
  qmon hub user add NAME --tier national|province|facility [--scope PROVINCE_OR_FID] --password-stdin --db FILE|postgres://…
      A person who signs in to the hub's web view (qmon hub run --http). Same tiers as API tokens: national sees
      everything, province the facilities registered with that province, facility its own fid. The password
      (10-256 characters, Argon2id) is read from stdin, never from arguments, e.g.
      printf '%s' "$PW" | qmon hub user add minh --tier national --password-stdin --db postgres://db/qmon_hub
  qmon hub user list --db FILE|postgres://…
  qmon hub user password NAME --password-stdin --db FILE|postgres://…
      Set a new password; the user's open web sessions end.
  qmon hub user remove NAME --db FILE|postgres://…`;

const VERBS = ['add', 'list', 'password', 'remove'] as const;
type Verb = (typeof VERBS)[number];

/** `qmon hub user add | list | password | remove`. */
export async function hubUserCommand(argv: string[], now: () => number = Date.now): Promise<number> {
  const [verb, ...rest] = argv;
  const write = (s: string) => process.stdout.write(s);
  if (verb === undefined || verb === '--help' || verb === '-h') {
    write(`${HUB_USER_USAGE}\n`);
    return verb === undefined ? 2 : 0;
  }
  if (!(VERBS as readonly string[]).includes(verb)) throw new UserError(`unknown hub user subcommand "${verb.slice(0, 40)}"\n${HUB_USER_USAGE}`, 2);
  const sub = verb as Verb;
  if (helpRequested(rest)) return printHelp(HUB_USER_USAGE);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { db: { type: 'string' }, tier: { type: 'string' }, scope: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
      allowPositionals: true,
    });
  } catch (e) {
    throw new UserError(`${(e as Error).message}\n${HUB_USER_USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.db === undefined) throw new UserError(`--db FILE|postgres://… is required (the hub's database)\n${HUB_USER_USAGE}`, 2);
  if (sub !== 'add' && (values.tier !== undefined || values.scope !== undefined)) throw new UserError(`--tier and --scope only go with add\n${HUB_USER_USAGE}`, 2);
  const wantsPassword = sub === 'add' || sub === 'password';
  if (!wantsPassword && values['password-stdin']) throw new UserError(`--password-stdin only goes with add and password`, 2);
  if (sub !== 'list' && positionals.length !== 1) throw new UserError(`hub user ${sub} takes exactly one NAME\n${HUB_USER_USAGE}`, 2);
  if (sub === 'list' && positionals.length !== 0) throw new UserError(`hub user list takes no NAME`, 2);
  const name = positionals[0] ?? '';
  if (wantsPassword && !values['password-stdin']) throw new UserError('--password-stdin is required: the password is read from stdin (never from arguments)', 2);
  if (sub === 'add' && values.tier === undefined) throw new UserError(`--tier national|province|facility is required\n${HUB_USER_USAGE}`, 2);
  // Everything about the new user is checked before the password is hashed or the database opened.
  let password: string | undefined;
  if (wantsPassword) {
    password = await readStdinPassword();
    const problem = sub === 'add' ? newUserProblem(name, values.tier!, values.scope ?? null, password) : passwordProblem(password) && `password: ${passwordProblem(password)}`;
    if (problem) throw new UserError(problem, 2);
  }
  const pg = isPostgresUrl(values.db);
  if (!pg && sub !== 'add' && !existsSync(values.db)) throw new UserError(`hub database ${values.db} does not exist`);
  const store = pg ? await openPgStore(values.db) : null;
  const users: HubUserStore = store?.users ?? new SqliteHubUsers(values.db);
  try {
    if (sub === 'list') {
      const rows = await users.users();
      write(rows.length === 0 ? 'no hub users (qmon hub user add NAME --tier national --password-stdin --db …)\n' : rows.map((u) => `${u.name}\t${u.tier}\t${u.scope ?? ''}\t${u.lang}\t${new Date(u.createdAt).toISOString()}\n`).join(''));
      return 0;
    }
    if (sub === 'remove') {
      if (!(await users.removeUser(name))) throw new UserError(`no hub user named ${name.slice(0, 64)}`);
      write(`removed ${name}; their open web sessions end at their next request\n`);
      return 0;
    }
    const hash = await hashPassword(password!);
    if (sub === 'password') {
      if (!(await users.setPassword(name, hash, now()))) throw new UserError(`no hub user named ${name.slice(0, 64)}`);
      write(`password of ${name} set; their open web sessions end\n`);
      return 0;
    }
    try {
      await users.addUser({ name, tier: values.tier as ApiTier, scope: values.scope ?? null, hash }, now());
    } catch (e) {
      throw new UserError((e as Error).message, 2);
    }
    write(`added ${name} (${values.tier}${values.scope ? ` ${values.scope}` : ''})\n`);
    return 0;
  } finally {
    if (users instanceof SqliteHubUsers) users.close();
    await store?.close();
  }
}
