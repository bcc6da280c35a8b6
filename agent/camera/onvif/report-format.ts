/**
 * Human-readable output of probe reports: one table row per media profile (device columns on the
 * first row), then a list of things the installer should act on (default passwords, wrong clocks,
 * errors). Stream URIs appear only with the password replaced by `***`.
 */
import { redactText } from '../../ops/index.js';
import type { ProbeReport } from './probe.js';
import { printable } from './responses.js';

/** Clock offsets below this are measurement noise (the camera reports whole seconds). */
const IN_SYNC_MS = 2000;

export function formatOffset(ms: number): string {
  if (Math.abs(ms) < IN_SYNC_MS) return 'in sync';
  const s = Math.round(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number): string => String(n).padStart(2, '0');
  // A day or more off is a wrong date (a camera reset to its factory date), read in days, not thousands of hours.
  const parts =
    d > 0 ? [`${d}d`, `${pad(h)}h`, `${pad(m)}m`] : h > 0 ? [`${h}h`, `${pad(m)}m`, `${pad(s % 60)}s`] : m > 0 ? [`${m}m`, `${pad(s % 60)}s`] : [`${s}s`];
  return `${ms > 0 ? '+' : '-'}${parts.join(' ')}`;
}

function deviceText(r: ProbeReport): string {
  const i = r.info;
  if (!i) return r.scopeName ?? '?';
  return [i.manufacturer ?? '?', i.model ?? '?', i.firmwareVersion !== undefined ? `fw ${i.firmwareVersion}` : undefined].filter((s) => s !== undefined).join(' ');
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, k) => (widths[k] = Math.max(widths[k] ?? 0, c.length)));
  return rows.map((row) => row.map((c, k) => (k === row.length - 1 ? c : c.padEnd(widths[k]!))).join('  ').trimEnd()).join('\n');
}

/** The table and the action list; plain text, no colours (it goes into tickets and chat). */
export function formatReports(reports: readonly ProbeReport[]): string {
  const rows: string[][] = [['ADDRESS', 'DEVICE', 'CLOCK', 'PROFILE', 'ROLE', 'CODEC', 'SIZE', 'FPS', 'STREAM URI']];
  const actions: string[] = [];
  for (const r of reports) {
    const addr = `${r.address}:${r.port}`;
    const head = [addr, deviceText(r), r.clock ? formatOffset(r.clock.offsetMs) : '?'];
    if (r.profiles.length === 0) rows.push([...head, '-', '', '', '', '', r.error ? `(${r.error.code})` : '']);
    r.profiles.forEach((p, k) => {
      const role = p.role === null ? '' : p.role === 'main' ? 'main' : `${p.role} (detect)`;
      rows.push([
        ...(k === 0 ? head : ['', '', '']),
        printable(p.name, 32),
        role,
        p.encoding,
        `${p.width}x${p.height}`,
        p.fps === null ? '?' : String(p.fps),
        p.redactedStreamUri !== undefined ? redactText(p.redactedStreamUri) : `(no stream: ${p.streamError ?? 'unknown'})`,
      ]);
    });
    if (r.defaultPassword) {
      actions.push(`${addr}: DEFAULT PASSWORD: user "${r.defaultPassword.username}" still has a well-known vendor default password (${r.defaultPassword.vendors}); change it`);
    }
    if (r.clock && Math.abs(r.clock.offsetMs) >= 60_000) {
      const advice = r.clock.ntp
        ? 'NTP is on but not working: check the NTP server address on the camera and that the camera can reach it (UDP 123)'
        : 'turn NTP on in the camera and give it the NTP server';
      actions.push(`${addr}: camera clock is ${formatOffset(r.clock.offsetMs)} off; ${advice} (signing used the camera's time, so probing still worked)`);
    }
    if (r.clock?.source === 'local') actions.push(`${addr}: the camera reported local time only; the offset includes its time zone`);
    if (r.error) actions.push(r.error.message.startsWith(addr) ? r.error.message : `${addr}: ${r.error.message}`);
    if (r.subNote) actions.push(`${addr}: ${r.subNote}`);
    // Audio- or metadata-only profiles are normal; only broken video profiles are worth a line.
    for (const s of r.skippedProfiles.filter((x) => !x.includes('no video encoder'))) actions.push(`${addr}: profile skipped: ${s}`);
    for (const p of r.profiles) for (const n of p.notes) actions.push(`${addr}: ${printable(p.name, 32)}: ${n}`);
    for (const n of r.notes) actions.push(`${addr}: ${n}`);
    if (r.defaultCheckNote) actions.push(`${addr}: default-password check ${r.defaultCheckNote}`);
  }
  const body = reports.length === 0 ? 'no ONVIF devices found' : table(rows);
  return actions.length === 0 ? `${body}\n` : `${body}\n\n${actions.map((a) => `- ${redactText(a)}`).join('\n')}\n`;
}
