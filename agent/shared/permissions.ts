import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** What the permission check needs of a logger (pino's shape), so `shared/` does not import `ops/`. */
export interface PermissionLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * The agent's data dir holds faces, alerts and password hashes, the hub's database events, its access log and
 * registry: only the owning user may read any of it.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Deepest folder level looked at (snapshots/YYYY/MM/DD/… is the deepest the agent writes). */
const MAX_DEPTH = 8;

export interface PermissionReport {
  /** Paths whose mode was tightened (group or other could read them). */
  readonly fixed: readonly string[];
  /** Paths that could not be tightened (owned by another user, read-only file system), with the reason. */
  readonly failed: readonly { readonly path: string; readonly reason: string }[];
}

/** Creates `dir` 0700 whatever the umask (mkdir's mode is masked by it, so it is set again). */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Checks the data dir and everything under it: folders 0700, files 0600; anything group- or world-accessible is
 * tightened and reported (a data dir made by an older version, copied with `cp -r`, or written under umask 000).
 * Symbolic links are left alone (chmod would follow them out of the dir).
 */
export function securePrivateTree(dir: string, logger?: PermissionLogger): PermissionReport {
  const fixed: string[] = [];
  const failed: { path: string; reason: string }[] = [];
  const visit = (path: string, depth: number): void => {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return; // gone meanwhile (a snapshot pruned): nothing to protect
    }
    if (st.isSymbolicLink()) return;
    const want = st.isDirectory() ? PRIVATE_DIR_MODE : PRIVATE_FILE_MODE;
    if ((st.mode & 0o077) !== 0) {
      try {
        chmodSync(path, (st.mode & 0o700) | (want & 0o700));
        fixed.push(path);
      } catch (e) {
        failed.push({ path, reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
      }
    }
    if (st.isDirectory() && depth < MAX_DEPTH) {
      let names: string[] = [];
      try {
        names = readdirSync(path);
      } catch (e) {
        failed.push({ path, reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
      }
      for (const n of names) visit(join(path, n), depth + 1);
    }
  };
  visit(dir, 0);
  if (fixed.length > 0) {
    logger?.warn({ dir, fixed: fixed.length, examples: fixed.slice(0, 5) }, 'data dir was readable by other users; made private (folders 0700, files 0600)');
  }
  if (failed.length > 0) logger?.error({ dir, failed: failed.slice(0, 5), count: failed.length }, 'could not make parts of the data dir private');
  return { fixed, failed };
}

/**
 * Makes a SQLite database and its `-wal` / `-shm` files 0600 whatever the umask. SQLite creates its files 0644 &
 * ~umask, and the -wal/-shm files with the database file's mode, so call this right after opening (before WAL
 * mode creates them) and it keeps all three private; files left 0644 by an older version are tightened too.
 */
export function makeSqliteFilesPrivate(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, PRIVATE_FILE_MODE);
}
