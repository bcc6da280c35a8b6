/**
 * CSV (RFC 4180) for both web servers' exports (the dashboard's events, the hub's reports). A cell that a spreadsheet would read as a formula (starting with
 * `= + - @`, tab or CR) gets a leading `'`, so an attacker-chosen camera name or note cannot run anything when
 * the file is opened in Excel / LibreOffice (CSV injection).
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: readonly (string | number | boolean | null | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}
