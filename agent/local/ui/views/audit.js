// The audit log (auditor): who did what, when.

import { get } from '../api.js';
import { h, fmtTime } from '../dom.js';
import { t, currentLang } from '../i18n.js';

export function renderAudit(main) {
  const rows = h('tbody', { id: 'audit' });
  const status = h('p', { class: 'empty' }, t('loading'));
  main.append(
    h('div', { class: 'view-head' }, h('h1', {}, t('audit.title'))),
    h('div', { class: 'table-wrap' }, h('table', { class: 'history' }, h('thead', {}, h('tr', {}, ...['col.time', 'audit.actor', 'audit.action', 'audit.detail'].map((k) => h('th', {}, t(k))))), rows)),
    status,
  );
  get('/api/audit?limit=200')
    .then((d) => {
      const entries = d?.entries ?? [];
      rows.replaceChildren(
        ...entries.map((a) =>
          h('tr', {}, h('td', {}, fmtTime(a.at, currentLang())), h('td', {}, a.user ?? ''), h('td', {}, a.action ?? ''), h('td', {}, [a.target, typeof a.detail === 'string' ? a.detail : a.detail ? JSON.stringify(a.detail) : '', a.ip].filter(Boolean).join(' · '))),
        ),
      );
      status.textContent = entries.length ? '' : '—';
    })
    .catch((e) => (status.textContent = t('error.generic', { msg: e.message })));
}
