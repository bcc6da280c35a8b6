// Every word the page shows goes through t(key): Vietnamese by default, English on request (per browser). The tables
// are in strings.js (data only, so a test can read them without a browser). A key missing from the current table is
// shown as the key itself, so it is visible rather than blank, and listed on <html data-missing-keys> for the tests.

import { vi, en } from './strings.js';

const tables = { vi, en };
const KEY = 'qmon.lang';
let lang = tables[localStorage.getItem(KEY) ?? ''] ? localStorage.getItem(KEY) : 'vi';
const missing = new Set();

export function currentLang() {
  return lang;
}

/** A user's choice is stored per browser (their own device); the facility's default is not. */
export function setLang(next, remember = true) {
  if (!tables[next]) return;
  lang = next;
  if (remember) localStorage.setItem(KEY, next);
  document.documentElement.lang = next;
}

export function hasKey(key) {
  return key in tables[lang];
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

/** A label for a machine code (a rule type, a camera state reason): translated when known, else the code itself. */
export function codeLabel(prefix, code) {
  const k = `${prefix}.${code}`;
  return k in tables[lang] ? tables[lang][k] : String(code ?? '');
}

/** A rule type's label; unknown types (a newer agent) show their raw name. */
export function typeLabel(type) {
  return codeLabel('type', type);
}

export const knownTypes = Object.keys(vi).filter((k) => k.startsWith('type.')).map((k) => k.slice(5));

/** A failed request in words a guard reads: the status's sentence when there is one, else the server's text. */
export function errorText(e) {
  const key = `error.status.${e?.status}`;
  if (e?.status && key in tables[lang]) return t(key, { msg: e.message });
  return t('error.generic', { msg: e?.message ?? String(e) });
}
