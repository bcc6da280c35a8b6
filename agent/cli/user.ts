import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/index.js';
import { hashPassword, isRole, passwordProblem, userNameProblem, ROLES } from '../local/index.js';
import { createLogger } from '../ops/index.js';
import { systemClock } from '../shared/clock.js';
import { Store, StoreError, type UserRole } from '../store/index.js';
import { DEFAULT_ENV_FILE, serviceEnv } from './env-file.js';
import { UserError } from './user-error.js';

const HELP = `Usage:
  qmon user add NAME --role guard|admin|auditor --config FILE --password-stdin
      Create a dashboard user; the password (10-256 characters) is read from stdin, e.g.
      printf '%s' "$PW" | runuser -u qmon -- qmon user add an --role guard --config /etc/qmon/qmon.yaml --password-stdin
  qmon user list --config FILE [--json]
      Every user with role, state and creation time (never the password hashes).
  qmon user passwd NAME --config FILE --password-stdin
      Set a new password (read from stdin); the user's open dashboard sessions end.
  qmon user disable NAME --config FILE      |  qmon user enable NAME --config FILE
      Lock a user out (or let them back in). Works while the agent runs (the store is shared, WAL).
Every change is written to the dashboard's audit log as done by "(cli)". On the box, run it as root or the agent's
user (runuser -u qmon -- qmon user …): the config's env: secrets are read from --environment-file (default
${DEFAULT_ENV_FILE}, if it exists) and the environment, as the service does.
`;

const SUBCOMMANDS = ['add', 'list', 'passwd', 'disable', 'enable'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

/** `qmon user add | list | passwd | disable | enable`: dashboard users, without the dashboard. */
export async function userCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        role: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        json: { type: 'boolean' },
        'environment-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new UserError(`qmon user: ${(e as Error).message}`, 2);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const sub = positionals[0] as Sub | undefined;
  if (!sub || !SUBCOMMANDS.includes(sub)) throw new UserError(`qmon user: expected one of ${SUBCOMMANDS.join(', ')} (see qmon user --help)`, 2);
  const name = positionals[1];
  if (sub !== 'list') {
    if (!name || positionals.length > 2) throw new UserError(`usage: qmon user ${sub} NAME --config FILE${sub === 'add' || sub === 'passwd' ? ' --password-stdin' : ''}`, 2);
    const bad = userNameProblem(name);
    if (bad) throw new UserError(`user name "${name.slice(0, 40)}": ${bad}`, 2);
  }
  if (!values.config) throw new UserError(`qmon user ${sub}: --config FILE is required (the store is in its storage.dir)`, 2);
  let role: UserRole | undefined;
  if (sub === 'add') {
    if (!isRole(values.role)) throw new UserError(`--role: expected one of ${ROLES.join(', ')}, got ${values.role === undefined ? 'nothing' : `"${values.role}"`}`, 2);
    role = values.role;
  }
  const wantsPassword = sub === 'add' || sub === 'passwd';
  if (wantsPassword && !values['password-stdin']) throw new UserError('--password-stdin is required: the password is read from stdin (never from arguments)', 2);
  // The config's env: secrets (camera passwords) must resolve for it to load: from the service's env file, as it does.
  const env = await serviceEnv(values['environment-file'] ?? DEFAULT_ENV_FILE, 'user', (l) => process.stderr.write(`warning: ${l}\n`));
  const config = await loadConfig(values.config, { env }).catch((e: unknown) => {
    throw e instanceof ConfigError ? new UserError(e.message) : e;
  });
  let password: string | undefined;
  if (wantsPassword) {
    password = await readStdinPassword();
    const bad = passwordProblem(password);
    if (bad) throw new UserError(`password: ${bad}`);
  }
  let store: Store;
  try {
    store = Store.open({ dir: config.storage.dir, clock: systemClock, logger: createLogger({ level: 'warn' }) });
  } catch (e) {
    throw e instanceof StoreError ? new UserError(e.message) : e;
  }
  try {
    return await run(store, sub, name ?? '', role, password, values.json === true);
  } finally {
    store.close();
  }
}

async function run(store: Store, sub: Sub, name: string, role: UserRole | undefined, password: string | undefined, json: boolean): Promise<number> {
  const now = systemClock.wall();
  const audit = (action: string, detail: Record<string, unknown>): void =>
    store.dashboard('writing the audit log', (q) => q.audit({ at: now, user: '(cli)', action, target: name, detail, ip: null }), true);
  switch (sub) {
    case 'list': {
      const users = store.dashboard('listing users', (q) => q.users()).map((u) => ({
        name: u.name,
        role: u.role,
        disabled: u.disabled,
        created_at: new Date(u.createdAt).toISOString(),
      }));
      if (json) process.stdout.write(`${JSON.stringify(users)}\n`);
      else if (users.length === 0) process.stdout.write('no users yet (qmon user add NAME --role admin --config FILE --password-stdin)\n');
      else for (const u of users) process.stdout.write(`${u.name.padEnd(32)} ${u.role.padEnd(8)} ${u.disabled ? 'disabled' : 'enabled '} ${u.created_at}\n`);
      return 0;
    }
    case 'add': {
      const hash = await hashPassword(password!);
      if (!store.dashboard('adding a user', (q) => q.addUser(name, role!, hash, now), true)) throw new UserError(`user "${name}" exists already`);
      audit('user_add', { role });
      process.stdout.write(`user ${name} added (${role})\n`);
      return 0;
    }
    case 'passwd': {
      const hash = await hashPassword(password!);
      if (!store.dashboard('setting a password', (q) => q.setPassword(name, hash, now), true)) throw new UserError(`no user "${name}"`);
      audit('user_change', { password: 'changed' });
      process.stdout.write(`password of ${name} changed\n`);
      return 0;
    }
    case 'disable':
    case 'enable': {
      const user = store.dashboard('reading a user', (q) => q.user(name));
      if (!user) throw new UserError(`no user "${name}"`);
      const disabled = sub === 'disable';
      store.dashboard('changing a user', (q) => q.setDisabled(name, disabled, now), true);
      audit('user_change', { disabled });
      process.stdout.write(`user ${name} ${disabled ? 'disabled' : 'enabled'}\n`);
      return 0;
    }
  }
}

/** The whole of stdin, one trailing newline removed (what `echo` and `printf '%s\n'` add). */
/** The password on stdin (one, at most 4 KiB; a trailing newline dropped): never from arguments, which `ps` shows. */
export async function readStdinPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password (then Enter and Ctrl-D): ');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of process.stdin as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > 4096) throw new UserError('password: stdin holds more than 4096 bytes; expected one password');
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
