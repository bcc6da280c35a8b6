import type { Dirent } from 'node:fs';
import { lstat, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { EpochMs } from '../shared/types.js';
import type { Logger } from '../ops/index.js';
import type { SnapshotFileRow } from './retention-queries.js';
import { SNAPSHOT_DIR, isTempSnapshotName, snapshotAbsPath } from './snapshot-paths.js';

export interface SweepResult {
  /** Files removed. */
  readonly files: number;
  readonly bytes: number;
  /** Files left alone because they are neither snapshots nor temp files (someone else's). */
  readonly skipped: number;
}

/** Dated sub-folders (`snapshots/2026/01/01/`) are fine; anything deeper is not ours. */
const MAX_DEPTH = 4;

/**
 * Unlinks tracked snapshot files. Returns the files to forget in the database: those unlinked and
 * those already gone. A file that cannot be unlinked (permissions) stays tracked and is retried on
 * the next pass.
 */
export async function unlinkSnapshots(
  storageDir: string,
  rows: readonly SnapshotFileRow[],
  logger: Logger,
): Promise<{ files: number; bytes: number; forget: string[] }> {
  let files = 0;
  let bytes = 0;
  const forget: string[] = [];
  for (const row of rows) {
    const abs = snapshotAbsPath(storageDir, row.file);
    if (abs === null) {
      // Never tracked by the store in the first place; drop the row, touch nothing on disk.
      forget.push(row.file);
      continue;
    }
    try {
      const st = await lstat(abs);
      if (st.isFile()) {
        await unlink(abs);
        files++;
        bytes += st.size;
      }
      forget.push(row.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') forget.push(row.file);
      else logger.warn({ file: row.file, code: (e as NodeJS.ErrnoException).code }, 'could not delete a snapshot file; will retry');
    }
  }
  return { files, bytes, forget };
}

/**
 * Walks `<storageDir>/snapshots` and removes temp files of interrupted atomic writes and `.jpg`
 * files the database does not track, when older than `minAgeMs` (by mtime). Symlinks are never
 * followed or removed; other files are counted and left alone.
 */
export async function sweepSnapshotDir(
  storageDir: string,
  tracked: ReadonlySet<string>,
  now: EpochMs,
  minAgeMs: number,
): Promise<SweepResult> {
  const out = { files: 0, bytes: 0, skipped: 0 };
  await walk(join(storageDir, SNAPSHOT_DIR), SNAPSHOT_DIR, 0, async (abs, rel, name) => {
    const orphan = isTempSnapshotName(name) || (name.endsWith('.jpg') && !tracked.has(rel));
    if (!orphan) {
      if (!tracked.has(rel)) out.skipped++;
      return;
    }
    const st = await lstat(abs);
    // At start (minAgeMs 0) nothing can be in flight; later, a file dated in the future counts as young.
    if (minAgeMs > 0 && now - st.mtimeMs < minAgeMs) return;
    try {
      await unlink(abs);
      out.files++;
      out.bytes += st.size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  });
  return out;
}

async function walk(
  abs: string,
  rel: string,
  depth: number,
  visit: (abs: string, rel: string, name: string) => Promise<void>,
): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(abs, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  for (const ent of entries) {
    const childAbs = join(abs, ent.name);
    // Tracked paths use '/', whatever the platform (they come from SnapshotRef.file).
    const childRel = `${rel}/${ent.name}`;
    if (ent.isDirectory()) {
      if (depth < MAX_DEPTH) await walk(childAbs, childRel, depth + 1, visit);
    } else if (ent.isFile()) {
      await visit(childAbs, childRel, ent.name);
    }
  }
}
