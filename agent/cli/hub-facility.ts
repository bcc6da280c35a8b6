import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { HubDb, type RegisteredFacility } from '../hub/index.js';
import { UserError } from './user-error.js';

export const FACILITY_USAGE = `Usage:
  qmon hub facility add FID [--name NAME] --db FILE
      Register a facility: from now on the hub accepts its messages (a running hub sees it at once).
  qmon hub facility list --db FILE [--json]
      The registered facilities.
  qmon hub facility remove FID --db FILE
      Unregister a facility: its messages are dropped and counted from now on; its stored events stay.`;

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: { db: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
    });
  } catch (e) {
    throw new UserError(`${(e as Error).message}\n${FACILITY_USAGE}`, 2);
  }
}

/** Opens the hub database for the registry; `create` only for `add` (a typo in --db must not make an empty file for list/remove). */
function openDb(file: string | undefined, create: boolean): HubDb {
  if (file === undefined) throw new UserError(`--db FILE is required (the hub's database)\n${FACILITY_USAGE}`, 2);
  if (!create && !existsSync(file)) throw new UserError(`hub database ${file} does not exist`);
  try {
    return new HubDb(file);
  } catch (e) {
    throw new UserError(`cannot open the hub database ${file}: ${(e as Error).message}`);
  }
}

function oneFid(positionals: string[], verb: string): string {
  if (positionals.length !== 1) throw new UserError(`hub facility ${verb} takes exactly one FID\n${FACILITY_USAGE}`, 2);
  return positionals[0]!;
}

function formatList(rows: readonly RegisteredFacility[]): string {
  if (rows.length === 0) return 'no facilities registered\n';
  return rows.map((r) => `${r.fid}\t${r.disabled ? 'disabled' : 'enabled'}\t${new Date(r.addedAt).toISOString()}\t${r.name ?? ''}\n`).join('');
}

/** `qmon hub facility add | list | remove`: the registry of facilities the hub accepts. */
export function hubFacilityCommand(argv: string[], now: () => number = Date.now): number {
  const [verb, ...rest] = argv;
  const write = (s: string) => process.stdout.write(s);
  if (verb === undefined || verb === '--help' || verb === '-h') {
    write(`${FACILITY_USAGE}\n`);
    return verb === undefined ? 2 : 0;
  }
  if (verb !== 'add' && verb !== 'list' && verb !== 'remove') throw new UserError(`unknown hub facility subcommand "${verb.slice(0, 40)}"\n${FACILITY_USAGE}`, 2);
  const { values, positionals } = parse(rest);
  if (values.help === true) {
    write(`${FACILITY_USAGE}\n`);
    return 0;
  }
  if (values.name !== undefined && verb !== 'add') throw new UserError(`--name only goes with add\n${FACILITY_USAGE}`, 2);
  if (values.json !== undefined && verb !== 'list') throw new UserError(`--json only goes with list\n${FACILITY_USAGE}`, 2);
  const dbFile = values.db;
  if (verb === 'list') {
    if (positionals.length > 0) throw new UserError(`hub facility list takes no FID\n${FACILITY_USAGE}`, 2);
    const db = openDb(dbFile, false);
    try {
      const rows = db.registry.list();
      write(values.json === true ? `${JSON.stringify({ facilities: rows }, null, 2)}\n` : formatList(rows));
    } finally {
      db.close();
    }
    return 0;
  }
  const fid = oneFid(positionals, verb);
  const db = openDb(dbFile, verb === 'add');
  try {
    if (verb === 'add') {
      const name = values.name === undefined ? null : values.name.slice(0, 200);
      let added: boolean;
      try {
        added = db.registry.add(fid, name, now());
      } catch (e) {
        throw new UserError((e as Error).message, 2);
      }
      write(added ? `registered ${fid}\n` : `${fid} was already registered\n`);
      return 0;
    }
    if (!db.registry.remove(fid)) throw new UserError(`${fid} is not registered`);
    write(`removed ${fid} (its stored events stay)\n`);
    return 0;
  } finally {
    db.close();
  }
}
