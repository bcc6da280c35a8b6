// The audit log (auditor): who did what, when, from where; newest first, paged with `next_before`.

import { get, query } from '../api.js';
import { h, fmtTime } from '../dom.js';
import { t, currentLang } from '../i18n.js';

const PAGE = 100;

export function renderAudit(main) {
  const rows = h('tbody', { id: 'audit' });
  const status = h('p', { class: 'empty' }, t('loading'));
  const more = h('button', { type: 'button', id: 'audit-more', hidden: true }, t('history.more'));
  main.append(
    h('div', { class: 'view-head' }, h('h1', {}, t('audit.title'))),
    h('div', { class: 'table-wrap' }, h('table', { class: 'history' }, h('thead', {}, h('tr', {}, ...['col.time', 'audit.actor', 'audit.action', 'audit.detail'].map((k) => h('th', {}, t(k))))), rows)),
    status,
    more,
  );
  let before = '';
  const detail = (a) => [a.target, a.detail && Object.keys(a.detail).length ? JSON.stringify(a.detail) : '', a.ip].filter(Boolean).join(' · ');
  const load = () =>
    get(`/api/audit${query({ limit: PAGE, before })}`)
      .then((d) => {
        const entries = d?.entries ?? [];
        rows.append(...entries.map((a) => h('tr', { dataset: { action: a.action } }, h('td', {}, fmtTime(a.at, currentLang())), h('td', {}, a.user ?? ''), h('td', {}, a.action ?? ''), h('td', {}, detail(a)))));
        before = d?.next_before ?? '';
        more.hidden = !before;
        status.textContent = rows.children.length ? '' : '—';
      })
      .catch((e) => (status.textContent = t('error.generic', { msg: e.message })));
  more.addEventListener('click', load);
  load();
}
