import { constants } from 'node:fs';
import { access, mkdtemp, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fail, ok, warn, type CheckResult } from './check.js';

const CREATE = (dir: string): string => `as root: install -d -o qmon -g qmon -m 0750 ${dir} (the package does it: systemd-tmpfiles --create /usr/lib/tmpfiles.d/qmon.conf)`;

/**
 * The data dir: exists, writable by whoever runs the agent, closed to other users, and with room left. One that does
 * not exist yet is fine when the agent can make it at its first start: its nearest existing parent is checked instead.
 */
export async function dataDirChecks(dir: string, minFreeMb: number): Promise<CheckResult[]> {
  const name = 'data dir';
  let mode: number;
  try {
    mode = (await stat(dir)).mode;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') return [fail(name, `${dir} cannot be read (${code ?? 'error'})`, CREATE(dir))];
    return notYetCreated(dir, minFreeMb);
  }
  const out: CheckResult[] = [];
  try {
    await access(dir, constants.W_OK);
    const probe = await mkdtemp(join(dir, '.doctor-'));
    await writeFile(join(probe, 'probe'), 'ok');
    await rm(probe, { recursive: true, force: true });
    out.push(ok(name, `${dir} is writable`));
  } catch (e) {
    out.push(fail(name, `${dir} is not writable by uid ${process.getuid?.() ?? '?'} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, `chown -R qmon:qmon ${dir} (and run doctor as qmon: runuser -u qmon -- qmon doctor)`));
  }
  out.push(...permissionCheck(dir, mode));
  out.push(await freeSpaceCheck(dir, minFreeMb));
  return out;
}

async function notYetCreated(dir: string, minFreeMb: number): Promise<CheckResult[]> {
  let parent = dirname(dir);
  for (;;) {
    try {
      await stat(parent);
      break;
    } catch {
      if (dirname(parent) === parent) break;
      parent = dirname(parent);
    }
  }
  try {
    await access(parent, constants.W_OK);
  } catch (e) {
    const uid = process.getuid?.() ?? '?';
    return [fail('data dir', `${dir} does not exist, and uid ${uid} cannot create it in ${parent} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, CREATE(dir))];
  }
  return [ok('data dir', `${dir} does not exist yet: the agent creates it at its first start (${parent} is writable)`), await freeSpaceCheck(parent, minFreeMb)];
}

function permissionCheck(dir: string, mode: number): CheckResult[] {
  const perm = mode & 0o777;
  const octal = perm.toString(8).padStart(4, '0');
  if (perm & 0o007) return [fail('data dir permissions', `${dir} is ${octal}: other users can read the snapshots and databases`, `chmod 0750 ${dir}`)];
  return [ok('data dir permissions', `${dir} is ${octal}`)];
}

async function freeSpaceCheck(dir: string, minFreeMb: number): Promise<CheckResult> {
  try {
    const fs = await statfs(dir);
    const freeMb = Math.floor((fs.bavail * fs.bsize) / (1024 * 1024));
    const detail = `${freeMb} MB free (the agent keeps at least ${minFreeMb} MB)`;
    if (freeMb < minFreeMb) return fail('free space', detail, 'free disk space, or lower storage.snapshot_retention_days in the config');
    if (freeMb < minFreeMb * 2) return warn('free space', detail, 'free disk space soon: the agent deletes old snapshots below the limit');
    return ok('free space', detail);
  } catch (e) {
    return warn('free space', `cannot read free space of ${dir}: ${(e as Error).message}`, 'check the disk with df -h');
  }
}
