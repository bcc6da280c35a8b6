import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { makePrivateDir, makeSqliteFilesPrivate } from '../agent/shared/permissions.js';

/**
 * Opens the hub's SQLite file (events, access log, registry: nobody else's business), private like the agent's
 * store: a folder that does not exist yet is created 0700, the file and its -wal/-shm are 0600 whatever the umask
 * (also a file an older version left 0644). `readonly` opens an existing file as it is (`qmon hub status`).
 */
export function openHubSqlite(file: string, opts: { readonly?: boolean } = {}): Database.Database {
  if (opts.readonly === true || file === ':memory:') return new Database(file, { readonly: opts.readonly === true });
  const dir = dirname(file);
  if (!existsSync(dir)) makePrivateDir(dir);
  const db = new Database(file);
  try {
    makeSqliteFilesPrivate(file); // before WAL mode creates -wal/-shm: they take the database file's mode
    db.pragma('journal_mode = WAL');
    makeSqliteFilesPrivate(file);
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}
