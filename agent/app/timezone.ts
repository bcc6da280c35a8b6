/**
 * Offset of an IANA zone from UTC, in minutes, at a given instant. Schedules use a fixed offset taken at start;
 * Vietnam has no daylight saving time, and a DST zone would be off by an hour at most until the next restart.
 */
export function utcOffsetMinutes(timeZone: string, atEpochMs: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(atEpochMs));
  const get = (t: string): number => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(atEpochMs / 1000) * 1000) / 60_000);
}
