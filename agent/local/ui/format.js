// Numbers, dates and durations as the page's language writes them (vi-VN: 78.189,5 MB, 07/06/2026 14:05:09), in the
// facility's time zone, whatever the device's own locale and zone are. Times arrive as RFC 3339 UTC strings.

import { t, currentLang } from './i18n.js';

let timeZone;

const locale = () => (currentLang() === 'en' ? 'en-GB' : 'vi-VN');

/** The facility's time zone (IANA name from the server); times are always shown in it, whatever the device says. */
export function setTimeZone(tz) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    timeZone = tz;
  } catch {
    timeZone = undefined;
  }
}

/** ISO string or epoch ms → "dd/mm/yyyy hh:mm:ss" in the facility time zone; '—' when there is none. */
export function fmtTime(value) {
  if (value === null || value === undefined || value === '') return '—';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '—';
  return new Intl.DateTimeFormat(locale(), {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(d);
}

/** "hh:mm" in the facility time zone. */
export function fmtShortTime(value) {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '—';
  return new Intl.DateTimeFormat(locale(), { timeZone, hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
}

/** A number with the language's separators (vi: 78.189,5); '—' when unknown. */
export function fmtNum(value, maxFractionDigits = 1) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '—';
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: maxFractionDigits }).format(value);
}

export function fmtMb(value) {
  return typeof value === 'number' ? t('unit.mb', { n: fmtNum(value) }) : '—';
}

/** Seconds → "3 giờ 12 phút" / "45 giây". */
export function fmtAge(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '—';
  if (seconds < 90) return t('unit.s', { n: fmtNum(Math.round(seconds), 0) });
  if (seconds < 5400) return t('unit.min', { n: fmtNum(Math.round(seconds / 60), 0) });
  return t('unit.hmin', { h: fmtNum(Math.floor(seconds / 3600), 0), m: fmtNum(Math.round((seconds % 3600) / 60), 0) });
}

/** Offset (ms) of the facility time zone from UTC at instant `ms`. */
function zoneOffset(ms) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, Number(p.value)]),
  );
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * A wall time typed by a guard, "dd/mm/yyyy hh:mm" (as the page shows dates; "yyyy-mm-dd hh:mm" is accepted too),
 * read in the facility's zone (not the device's) → RFC 3339 UTC; '' for an empty value, null for one that is not a
 * date.
 */
export function facilityTimeToIso(value) {
  const v = (value ?? '').trim();
  if (v === '') return '';
  const dmy = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(v);
  const ymd = /^(\d{4})-(\d{2})-(\d{2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(v);
  const m = dmy ? [dmy[3], dmy[2], dmy[1], dmy[4], dmy[5], dmy[6]] : ymd ? [ymd[1], ymd[2], ymd[3], ymd[4], ymd[5], ymd[6]] : null;
  if (!m) return null;
  const [y, mo, d, hh, mm, ss] = m.map((x) => Number(x ?? 0));
  const asUtc = Date.UTC(y, mo - 1, d, hh, mm, ss);
  // 31/02 is not a day: Date.UTC would roll it over to March without a word.
  const back = new Date(asUtc);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || hh > 23 || mm > 59 || ss > 59) return null;
  if (!timeZone) return new Date(y, mo - 1, d, hh, mm, ss).toISOString();
  // Two passes settle the offset also next to a daylight-saving change.
  let at = asUtc - zoneOffset(asUtc);
  at = asUtc - zoneOffset(at);
  return new Date(at).toISOString();
}
