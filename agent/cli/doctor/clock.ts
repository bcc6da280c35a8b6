import { execFile } from 'node:child_process';
import { fail, ok, warn, type CheckResult } from './check.js';

export type CommandRunner = (cmd: string, args: readonly string[]) => Promise<string | null>;

/** stdout of a command, or null when it is missing or fails (no systemd in a container, no chrony, …). */
export const runCommand: CommandRunner = (cmd, args) =>
  new Promise((resolve) => {
    execFile(cmd, [...args], { timeout: 5_000, maxBuffer: 1 << 20 }, (err, stdout) => resolve(err ? null : stdout));
  });

const FIX = 'enable time sync: timedatectl set-ntp true (systemd-timesyncd) or install chrony; events carry the agent\'s time';

/** Events are stamped with this machine's clock: it must be synchronised. Asks timedatectl, then chrony for the offset. */
export async function clockCheck(run: CommandRunner = runCommand): Promise<CheckResult> {
  const name = 'clock';
  const synced = (await run('timedatectl', ['show', '-p', 'NTPSynchronized', '--value']))?.trim();
  const offset = await clockOffset(run);
  const off = offset === null ? 'offset unknown' : `offset ${formatMs(offset)}`;
  if (synced === 'no') return fail(name, `not synchronised (${off})`, FIX);
  if (offset !== null && Math.abs(offset) > 2_000) return fail(name, `synchronised but ${formatMs(offset)} off`, FIX);
  if (synced === 'yes') return ok(name, `synchronised, ${off}`);
  if (offset !== null) return ok(name, `chrony: ${off}`);
  return warn(name, 'cannot tell whether the clock is synchronised (no timedatectl/chronyc answer)', FIX);
}

async function clockOffset(run: CommandRunner): Promise<number | null> {
  const ts = await run('timedatectl', ['timesync-status']);
  const m = ts ? /Offset:\s*([+-]?[\d.]+)(us|ms|s)\b/.exec(ts) : null;
  if (m) return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 'ms' ? 1 : 1000);
  // chronyc -c tracking: CSV, field 5 is "last offset" in seconds.
  const chrony = await run('chronyc', ['-c', 'tracking']);
  const field = chrony?.split(',')[4];
  return field !== undefined && field !== '' && Number.isFinite(Number(field)) ? Number(field) * 1000 : null;
}

const formatMs = (ms: number): string => (Math.abs(ms) >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(1)} ms`);
