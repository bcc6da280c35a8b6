/**
 * Speaks systemd's notify protocol (READY=1, WATCHDOG=1, STOPPING=1, STATUS=…) for a `Type=notify` unit.
 *
 * Node cannot send AF_UNIX datagrams, so each message is handed to `systemd-notify` (it ships with systemd, which
 * the package depends on anyway). systemd-notify waits for the manager's barrier before it exits, so PID 1 still
 * finds the sender in the unit's cgroup; the unit needs `NotifyAccess=all` because the sender is our child, not the
 * main process. Why this and not a native addon: see systemd/README.md.
 */
import { execFile } from 'node:child_process';

export interface ServiceNotifier {
  /** Sends `KEY=VALUE` lines; resolves false (never throws) when systemd-notify failed, so callers can count it. */
  notify(fields: Readonly<Record<string, string>>): Promise<boolean>;
}

export interface SdNotifyOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** The systemd-notify binary; tests point it elsewhere to simulate a missing one. */
  readonly command?: string;
  readonly pid?: number;
  /** Bound on one send (the barrier wait is systemd-notify's own, 5 s). */
  readonly timeoutMs?: number;
}

const FIELD_KEY = /^[A-Z][A-Z0-9_]*$/;

/** The notifier when the agent runs under systemd (NOTIFY_SOCKET set); null otherwise (terminal, tests, containers). */
export function systemdNotifier(opts: SdNotifyOptions = {}): ServiceNotifier | null {
  const env = opts.env ?? process.env;
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return null;
  const command = opts.command ?? 'systemd-notify';
  const pid = opts.pid ?? process.pid;
  const timeout = opts.timeoutMs ?? 10_000;
  return {
    notify(fields) {
      const args = [`--pid=${pid}`];
      for (const [k, v] of Object.entries(fields)) {
        // Keys are ours; values (STATUS) may come from elsewhere: one line each, or the protocol breaks.
        if (!FIELD_KEY.test(k)) throw new Error(`sd_notify: invalid field name "${k}"`);
        args.push(`${k}=${v.replace(/[\r\n]+/g, ' ')}`);
      }
      return new Promise((resolve) => {
        execFile(command, args, { env: { NOTIFY_SOCKET: socket, PATH: env.PATH ?? '/usr/bin:/bin' }, timeout }, (err) => resolve(!err));
      });
    },
  };
}

/** Microseconds from $WATCHDOG_USEC when the watchdog is meant for this process; null when there is none. */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!(usec > 0)) return null;
  if (env.WATCHDOG_PID !== undefined && Number(env.WATCHDOG_PID) !== pid) return null;
  // Ping at half the period, as sd_watchdog_enabled(3) recommends.
  return Math.max(1, Math.floor(usec / 1000 / 2));
}
