/**
 * Where `qmon run` writes what, and how its human lines look. Two audiences:
 * - a person at a console (a terminal, or output piped through `tee`/`less`): the human lines on stdout, stamped in
 *   the facility's time (the dashboard's and the hub's), and the JSON log in DATA_DIR/logs/qmon.jsonl, never on
 *   the console unless asked for with --log-json;
 * - systemd (the unit passes --log-json; `JOURNAL_STREAM` says stdout is the journal even without it): the JSON log on
 *   stdout for the journal, and the same human lines (one per state change: camera up/down, alert, hub connection,
 *   reload) on stderr, so `journalctl -u qmon -o cat` reads both.
 */

export type LogTarget = 'console' | 'journal';

/** JSON on stdout only when asked for, or when stdout is systemd's journal. */
export function logTarget(logJson: boolean, env: NodeJS.ProcessEnv = process.env): LogTarget {
  return logJson || (env.JOURNAL_STREAM ?? '') !== '' ? 'journal' : 'console';
}

/** `HH:MM:SS` of `atMs` in the facility's time zone (config facility.timezone, an IANA zone checked at load). */
export function facilityClock(timeZone: string): (atMs: number) => string {
  const format = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return (atMs) => format.format(atMs);
}

/** The human line writer: facility time, two spaces, the line (already redacted by the caller). */
export function consoleLines(out: NodeJS.WritableStream, timeZone: string, now: () => number = Date.now): (line: string) => void {
  const time = facilityClock(timeZone);
  return (line) => {
    out.write(`${time(now())}  ${line}\n`);
  };
}
