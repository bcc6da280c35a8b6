import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** A snapshot file could not be written; nothing partial is left behind. */
export class SnapshotWriteError extends Error {
  override readonly name = 'SnapshotWriteError';
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

/** `<event id>-p<n>.jpg`: the n-th picture made for a violation (each picture its own file). */
export function snapshotFileName(eventId: string, n: number): string {
  return `${eventId}-p${n}.jpg`;
}

/**
 * Writes `bytes` to `dir/name` so that a crash or power cut leaves either the whole file or none:
 * a temp file in the same folder (`.name.<random>.tmp`, never a name a reader looks for), fsync,
 * rename over the final name, fsync the folder so the rename itself is durable. On failure (disk
 * full) the temp file is removed. Returns the final path.
 */
export async function writeSnapshotAtomic(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  if (!SAFE_NAME.test(name) || name.includes('..')) {
    throw new SnapshotWriteError(`snapshot file name "${name}" must be a plain file name (letters, digits, . _ -)`);
  }
  const final = join(dir, name);
  const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // 0600: a snapshot shows people; only the agent's user reads it (mode is masked by the umask, never widened).
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, final);
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined);
    const code = (e as NodeJS.ErrnoException).code;
    throw new SnapshotWriteError(`could not write snapshot ${name} in ${dir}${code ? ` (${code})` : ''}`, { cause: e });
  }
  return final;
}
