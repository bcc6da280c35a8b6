// Every word the page shows goes through t(key): Vietnamese first, English per user (stored at the hub with the
// user). A key missing from the current table shows as the key and is listed on <html data-missing-keys> (tests).

import { vi, en } from './strings.js';

const tables = { vi, en };
let lang = 'vi';
const missing = new Set();

export function setLang(next) {
  lang = tables[next] ? next : 'vi';
  document.documentElement.lang = lang;
}

export function currentLang() {
  return lang;
}

export function t(key, vars = {}) {
  let s = tables[lang][key];
  if (s === undefined) {
    missing.add(key);
    document.documentElement.dataset.missingKeys = [...missing].join(' ');
    s = key;
  }
  return s.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** A label for a machine code (rule type, severity, camera state): translated when known, else the code itself. */
export function codeLabel(prefix, code) {
  const k = `${prefix}.${code}`;
  return k in tables[lang] ? tables[lang][k] : String(code ?? '');
}

const locale = () => (lang === 'vi' ? 'vi-VN' : 'en-GB');

export function fmtTime(iso) {
  if (!iso) return '—';
  // Vietnam's time whatever the browser's zone (an officer abroad, a server-room kiosk left on UTC).
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'short', timeStyle: 'medium', timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date(iso));
}

export function fmtNumber(n) {
  return n === null || n === undefined ? '—' : new Intl.NumberFormat(locale()).format(n);
}

/** A duration in seconds as "3 phút" / "2 giờ" (rounded to its largest unit). */
export function fmtAge(s) {
  if (s === null || s === undefined) return '—';
  if (s < 90) return t('age.s', { n: fmtNumber(Math.round(s)) });
  if (s < 5400) return t('age.min', { n: fmtNumber(Math.round(s / 60)) });
  if (s < 172800) return t('age.h', { n: fmtNumber(Math.round(s / 3600)) });
  return t('age.d', { n: fmtNumber(Math.round(s / 86400)) });
}

/** A share 0..1 as a percentage ("83,3 %" in Vietnamese). */
export function fmtPercent(share) {
  return share === null || share === undefined ? '—' : new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(share);
}
