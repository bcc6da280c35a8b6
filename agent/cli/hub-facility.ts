import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { HubDb, isPostgresUrl, type RegisteredFacility } from '../../hub/index.js';
import { openPgStore } from './hub-pg.js';
import { UserError } from './user-error.js';

export const FACILITY_USAGE = `Usage:
  qmon hub facility add FID [--name NAME] [--public-key FILE] [--province P] --db FILE|postgres://…
      Register a facility: from now on the hub accepts its messages (a running hub sees it at once).
      --public-key: the facility's public key (qmon keys generate on the facility box; PEM or raw base64):
      its messages must then be signed with it.
  qmon hub facility key FID (--set FILE | --next FILE | --promote) --db FILE|postgres://…
      Key rotation: --next FILE adds the facility's new key beside the current one (both verify), then,
      once the agent signs with the new key, --promote makes it the only one. --set FILE replaces the key at
      once (first provisioning, or a lost key: messages signed with the old key are dropped from then on).
  qmon hub facility list --db FILE|postgres://… [--json]
      The registered facilities.
  qmon hub facility remove FID --db FILE|postgres://…
      Unregister a facility: its messages are dropped and counted from now on; its stored events stay.`;

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        db: { type: 'string' },
        name: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        'public-key': { type: 'string' },
        province: { type: 'string' },
        set: { type: 'string' },
        next: { type: 'string' },
        promote: { type: 'boolean' },
      },
      allowPositionals: true,
    });
  } catch (e) {
    throw new UserError(`${(e as Error).message}\n${FACILITY_USAGE}`, 2);
  }
}

/** The registry operations of this command, on either hub database. */
interface RegistryAdmin {
  add(fid: string, name: string | null, at: number, publicKey: string | null, province: string | null): Promise<boolean>;
  setKey(fid: string, action: 'set' | 'next' | 'promote', publicKey?: string): Promise<boolean>;
  remove(fid: string): Promise<boolean>;
  list(): Promise<RegisteredFacility[]>;
  close(): Promise<void>;
}

/** Opens the hub database for the registry; `create` only for `add` (a typo in --db must not make an empty file for list/remove). */
async function openDb(file: string | undefined, create: boolean): Promise<RegistryAdmin> {
  if (file === undefined) throw new UserError(`--db FILE is required (the hub's database)\n${FACILITY_USAGE}`, 2);
  if (isPostgresUrl(file)) {
    const store = await openPgStore(file);
    const r = store.reader;
    return {
      add: (...a) => r.addFacility(...a),
      setKey: (...a) => r.setKey(...a),
      remove: (fid) => r.removeFacility(fid),
      list: () => store.registered(),
      close: () => store.close(),
    };
  }
  if (!create && !existsSync(file)) throw new UserError(`hub database ${file} does not exist`);
  let db: HubDb;
  try {
    db = new HubDb(file);
  } catch (e) {
    throw new UserError(`cannot open the hub database ${file}: ${(e as Error).message}`);
  }
  // Synchronous underneath; `async` so that a throw becomes a rejection, as on PostgreSQL.
  /* eslint-disable @typescript-eslint/require-await */
  return {
    add: async (fid, name, at, publicKey, province) => {
      const added = db.registry.add(fid, name, at, publicKey);
      if (added && province !== null) db.registry.setProvince(fid, province);
      return added;
    },
    setKey: async (...a) => db.registry.setKey(...a),
    remove: async (fid) => db.registry.remove(fid),
    list: async () => db.registry.list(),
    close: async () => db.close(),
  };
  /* eslint-enable @typescript-eslint/require-await */
}

function oneFid(positionals: string[], verb: string): string {
  if (positionals.length !== 1) throw new UserError(`hub facility ${verb} takes exactly one FID\n${FACILITY_USAGE}`, 2);
  return positionals[0]!;
}

function formatList(rows: readonly RegisteredFacility[]): string {
  if (rows.length === 0) return 'no facilities registered\n';
  const keys = (r: RegisteredFacility) => `key ${r.kid ?? 'none'}${r.nextKid ? ` (next ${r.nextKid})` : ''}`;
  return rows.map((r) => `${r.fid}\t${r.disabled ? 'disabled' : 'enabled'}\t${new Date(r.addedAt).toISOString()}\t${keys(r)}\t${r.name ?? ''}\n`).join('');
}

function readKeyFile(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`${flag}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 2);
  }
}

/** `qmon hub facility add | list | remove`: the registry of facilities the hub accepts. */
export async function hubFacilityCommand(argv: string[], now: () => number = Date.now): Promise<number> {
  const [verb, ...rest] = argv;
  const write = (s: string) => process.stdout.write(s);
  if (verb === undefined || verb === '--help' || verb === '-h') {
    write(`${FACILITY_USAGE}\n`);
    return verb === undefined ? 2 : 0;
  }
  if (verb !== 'add' && verb !== 'list' && verb !== 'remove' && verb !== 'key') throw new UserError(`unknown hub facility subcommand "${verb.slice(0, 40)}"\n${FACILITY_USAGE}`, 2);
  const { values, positionals } = parse(rest);
  if (values.help === true) {
    write(`${FACILITY_USAGE}\n`);
    return 0;
  }
  if (values.name !== undefined && verb !== 'add') throw new UserError(`--name only goes with add\n${FACILITY_USAGE}`, 2);
  if (values.province !== undefined && verb !== 'add') throw new UserError(`--province only goes with add\n${FACILITY_USAGE}`, 2);
  if (values['public-key'] !== undefined && verb !== 'add') throw new UserError(`--public-key only goes with add\n${FACILITY_USAGE}`, 2);
  const keyActions = [values.set !== undefined, values.next !== undefined, values.promote === true].filter(Boolean).length;
  if (keyActions > 0 && verb !== 'key') throw new UserError(`--set, --next and --promote only go with key\n${FACILITY_USAGE}`, 2);
  if (verb === 'key' && keyActions !== 1) throw new UserError(`hub facility key takes exactly one of --set FILE, --next FILE, --promote\n${FACILITY_USAGE}`, 2);
  if (values.json !== undefined && verb !== 'list') throw new UserError(`--json only goes with list\n${FACILITY_USAGE}`, 2);
  const dbFile = values.db;
  if (verb === 'list') {
    if (positionals.length > 0) throw new UserError(`hub facility list takes no FID\n${FACILITY_USAGE}`, 2);
    const db = await openDb(dbFile, false);
    try {
      const rows = await db.list();
      write(values.json === true ? `${JSON.stringify({ facilities: rows }, null, 2)}\n` : formatList(rows));
    } finally {
      await db.close();
    }
    return 0;
  }
  const fid = oneFid(positionals, verb);
  const publicKey = values['public-key'] === undefined ? null : readKeyFile(values['public-key'], '--public-key');
  const newKey = values.set ?? values.next;
  const keyText = newKey === undefined ? undefined : readKeyFile(newKey, values.set !== undefined ? '--set' : '--next');
  const db = await openDb(dbFile, verb === 'add');
  try {
    if (verb === 'add') {
      const name = values.name === undefined ? null : values.name.slice(0, 200);
      let added: boolean;
      try {
        added = await db.add(fid, name, now(), publicKey, values.province === undefined ? null : values.province.slice(0, 100));
      } catch (e) {
        throw new UserError((e as Error).message, 2);
      }
      const kid = (await db.list()).find((r) => r.fid === fid)?.kid ?? null;
      write(added ? `registered ${fid}${kid ? ` with key ${kid}` : ' without a key (unsigned messages are refused unless the hub runs --allow-unsigned)'}\n` : `${fid} was already registered (use hub facility key to change its key)\n`);
      return 0;
    }
    if (verb === 'key') {
      const action = values.promote === true ? 'promote' : values.set !== undefined ? 'set' : 'next';
      let changed: boolean;
      try {
        changed = await db.setKey(fid, action, keyText);
      } catch (e) {
        throw new UserError(`${fid}: ${(e as Error).message}`, 2);
      }
      if (!changed) throw new UserError(action === 'promote' ? `${fid} is not registered or has no next key` : `${fid} is not registered`);
      const r = (await db.list()).find((x) => x.fid === fid);
      write(`${fid}: key ${r?.kid ?? 'none'}${r?.nextKid ? `, next key ${r.nextKid}` : ''}\n`);
      return 0;
    }
    if (!(await db.remove(fid))) throw new UserError(`${fid} is not registered`);
    write(`removed ${fid} (its stored events stay)\n`);
    return 0;
  } finally {
    await db.close();
  }
}
