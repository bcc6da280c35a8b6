import { constants } from 'node:fs';
import { access, mkdtemp, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fail, ok, warn, type CheckResult } from './check.js';

/** The data dir: exists, writable by whoever runs the agent, closed to other users, and with room left. */
export async function dataDirChecks(dir: string, minFreeMb: number): Promise<CheckResult[]> {
  const name = 'data dir';
  let mode: number;
  try {
    mode = (await stat(dir)).mode;
  } catch (e) {
    return [fail(name, `${dir} does not exist or cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, 'systemd-tmpfiles --create /usr/lib/tmpfiles.d/qmon.conf (or create it: install -d -o qmon -g qmon -m 0750 ' + dir + ')')];
  }
  const out: CheckResult[] = [];
  try {
    await access(dir, constants.W_OK);
    const probe = await mkdtemp(join(dir, '.doctor-'));
    await writeFile(join(probe, 'probe'), 'ok');
    await rm(probe, { recursive: true, force: true });
    out.push(ok(name, `${dir} is writable`));
  } catch (e) {
    out.push(fail(name, `${dir} is not writable by uid ${process.getuid?.() ?? '?'} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, `chown -R qmon:qmon ${dir} (and run doctor as qmon: sudo -u qmon qmon doctor)`));
  }
  const perm = mode & 0o777;
  const octal = perm.toString(8).padStart(4, '0');
  if (perm & 0o007) out.push(fail('data dir permissions', `${dir} is ${octal}: other users can read the snapshots and databases`, `chmod 0750 ${dir}`));
  else out.push(ok('data dir permissions', `${dir} is ${octal}`));
  try {
    const fs = await statfs(dir);
    const freeMb = Math.floor((fs.bavail * fs.bsize) / (1024 * 1024));
    const detail = `${freeMb} MB free (the agent keeps at least ${minFreeMb} MB)`;
    if (freeMb < minFreeMb) out.push(fail('free space', detail, 'free disk space, or lower storage.snapshot_retention_days in the config'));
    else if (freeMb < minFreeMb * 2) out.push(warn('free space', detail, 'free disk space soon: the agent deletes old snapshots below the limit'));
    else out.push(ok('free space', detail));
  } catch (e) {
    out.push(warn('free space', `cannot read free space of ${dir}: ${(e as Error).message}`, 'check the disk with df -h'));
  }
  return out;
}
