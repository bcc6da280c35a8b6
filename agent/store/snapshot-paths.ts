import { readFileSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';

/**
 * Snapshot files live under `<storage dir>/snapshots/` and violations name them by a path relative to
 * the storage dir (`SnapshotRef.file`, e.g. `snapshots/<event_id>-r<rev>.jpg`). The store only ever
 * tracks or deletes files inside that folder: a path from anywhere else is never touched, so a bad
 * value in a violation can never make retention unlink a file outside it.
 */
export const SNAPSHOT_DIR = 'snapshots';

/** Why `file` is not a snapshot path the store may manage, or null when it is. */
export function snapshotPathProblem(file: string): string | null {
  if (file.length === 0 || file.length > 512) return 'must be 1..512 characters';
  if (file.includes('\0') || file.includes('\\')) return 'must not contain NUL or backslashes';
  if (isAbsolute(file)) return 'must be relative to the storage dir';
  const norm = normalize(file);
  if (norm !== file || norm.split(sep).includes('..')) return 'must be a normalised path without ".."';
  if (!norm.startsWith(`${SNAPSHOT_DIR}${sep}`)) return `must lie inside ${SNAPSHOT_DIR}/`;
  return null;
}

/** The absolute path of a managed snapshot file, or null when `file` is not one (see snapshotPathProblem). */
export function snapshotAbsPath(storageDir: string, file: string): string | null {
  if (snapshotPathProblem(file) !== null) return null;
  const abs = join(storageDir, file);
  const rel = relative(join(storageDir, SNAPSHOT_DIR), abs);
  return rel.startsWith('..') || isAbsolute(rel) ? null : abs;
}

/**
 * A temp file left by an interrupted atomic write: `.<name>.<random>.tmp` (what the events stage's
 * `writeSnapshotAtomic` uses). Never a name a reader looks for, so always safe to remove at start.
 */
export function isTempSnapshotName(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.tmp');
}

/**
 * The bytes of a managed snapshot file, or null when it is gone (retention, disk pressure) or `file`
 * is not a managed path. Other read errors (permissions, I/O) are thrown: they are not "gone".
 */
export function readSnapshotFile(storageDir: string, file: string): Buffer | null {
  const abs = snapshotAbsPath(storageDir, file);
  if (abs === null) return null;
  try {
    return readFileSync(abs);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
