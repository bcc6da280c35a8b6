// The audit log (auditor): who did what, when, from where; newest first, paged with `next_before`. Actions and the
// details' keys and codes are shown in the page's language; ids (events, cameras, rules) as they are, set as code.

import { get, query } from '../api.js';
import { h } from '../dom.js';
import { fmtTime, fmtNum } from '../format.js';
import { t, codeLabel, errorText } from '../i18n.js';

const PAGE = 100;

/** One detail value: roles and reason codes translated, yes/no for booleans, times and numbers formatted, ids as code. */
function value(key, v) {
  if (typeof v === 'boolean') return t(v ? 'yes' : 'no');
  if (typeof v === 'number') return key === 'from' || key === 'to' ? fmtTime(v) : fmtNum(v, 0);
  if (v && typeof v === 'object') return ['(', details(v), ')'];
  if (key === 'role') return codeLabel('role', v);
  if (key === 'reason' || key === 'password') return codeLabel('audit.code', v);
  return h('code', {}, String(v ?? ''));
}

function details(d) {
  return Object.entries(d ?? {}).flatMap(([k, v], i) => [i ? ', ' : '', `${codeLabel('audit.key', k)}: `, value(k, v)]);
}

export function renderAudit(main) {
  const rows = h('tbody', { id: 'audit' });
  const status = h('p', { class: 'empty' }, t('loading'));
  const more = h('button', { type: 'button', id: 'audit-more', hidden: true }, t('history.more'));
  main.append(
    h('div', { class: 'view-head' }, h('h1', {}, t('audit.title'))),
    h('div', { class: 'table-wrap' }, h('table', { class: 'history' }, h('thead', {}, h('tr', {}, ...['col.time', 'audit.actor', 'audit.action', 'audit.target', 'audit.detail', 'audit.ip'].map((k) => h('th', {}, t(k))))), rows)),
    status,
    more,
  );
  let before = '';
  const load = () =>
    get(`/api/audit${query({ limit: PAGE, before })}`)
      .then((d) => {
        const entries = d?.entries ?? [];
        rows.append(
          ...entries.map((a) =>
            h(
              'tr',
              { dataset: { action: a.action } },
              h('td', {}, fmtTime(a.at)),
              h('td', {}, a.user === '(cli)' ? t('audit.cli') : (a.user ?? '')),
              h('td', { title: a.action }, codeLabel('audit.action', a.action)),
              h('td', {}, a.target ? h('code', {}, a.target) : ''),
              h('td', {}, details(a.detail)),
              h('td', {}, a.ip ?? ''),
            ),
          ),
        );
        before = d?.next_before ?? '';
        more.hidden = !before;
        status.textContent = rows.children.length ? '' : '—';
      })
      .catch((e) => (status.textContent = errorText(e)));
  more.addEventListener('click', load);
  load();
}
