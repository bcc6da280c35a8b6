import type { FacilitySummary, RecentEvent } from './summary.js';

/** Left-aligned columns, two spaces apart; every cell is plain text. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

function age(iso: string | null, nowWall: number): string {
  if (iso === null) return 'never';
  const s = Math.max(0, Math.round((nowWall - Date.parse(iso)) / 1000));
  return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

/** What `qmon hub status` prints: one line per facility, then the newest events. */
export function formatHubStatus(facilities: readonly FacilitySummary[], events: readonly RecentEvent[], nowWall: number): string {
  const out: string[] = [];
  if (facilities.length === 0) {
    out.push('No facility has reported to this hub yet.');
  } else {
    out.push(
      renderTable(
        ['FACILITY', 'STATUS', 'SESSION', 'HEARTBEAT', 'CAMERAS ONLINE', 'OUTBOX PENDING', 'EVENTS', 'MAX SEQ', 'MISSING'],
        facilities.map((f) => [
          f.fid,
          f.status,
          String(f.session),
          `${age(f.last_heartbeat_at, nowWall)}${f.heartbeat_stale && f.last_heartbeat_at !== null ? ' (stale)' : ''}`,
          `${f.cameras.filter((c) => c.state === 'online').length}/${f.cameras.length}`,
          f.outbox === null ? '-' : String(f.outbox.pending),
          String(f.events),
          f.max_seq === null ? '-' : String(f.max_seq),
          String(f.missing_seqs),
        ]),
      ),
    );
    const cams = facilities.flatMap((f) => f.cameras.filter((c) => c.state !== 'online').map((c) => `${f.fid}/${c.id} ${c.state}${c.reason ? ` (${c.reason})` : ''}`));
    if (cams.length) out.push('', `Cameras not online: ${cams.join(', ')}`);
  }
  out.push('');
  if (events.length === 0) {
    out.push('No events yet.');
  } else {
    out.push(`Recent events (newest first, ${events.length}):`);
    out.push(
      renderTable(
        ['RECEIVED', 'FACILITY', 'SEQ', 'TYPE', 'STATE', 'REV', 'CAMERA', 'REPLAY', 'EVENT'],
        events.map((e) => [e.received_at, e.fid, String(e.seq), e.type, e.state, String(e.rev), e.camera_id, e.replay ? 'yes' : 'no', e.event_id]),
      ),
    );
  }
  return `${out.join('\n')}\n`;
}
