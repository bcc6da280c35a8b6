// Reports: violations per day, province, facility and type for a period (at most 31 days), as a table to print
// (the form a province sends upward) and as CSV. The hub narrows it to the user's scope and logs every report.

import { api } from './api.js';
import { clear, h } from './dom.js';
import { codeLabel, fmtNumber, t } from './i18n.js';

const isoDay = (d) => d.toISOString().slice(0, 10);

export async function renderReports({ me, main, failed }) {
  const today = new Date(Date.now() + 7 * 3_600_000); // Vietnam's date
  const from = h('input', { type: 'date', value: isoDay(new Date(today.getTime() - 6 * 86_400_000)), 'aria-label': t('reports.from') });
  const to = h('input', { type: 'date', value: isoDay(today), 'aria-label': t('reports.to') });
  const province = h('input', { type: 'text', placeholder: t('filter.province'), 'aria-label': t('filter.province'), hidden: me.tier !== 'national' });
  const csv = h('a', { class: 'button', download: '' }, t('reports.csv'));
  const out = h('div', { id: 'report' });
  main.append(
    h('h1', {}, t('reports.title')),
    h('div', { class: 'controls' }, h('label', {}, t('reports.from'), ' ', from), h('label', {}, t('reports.to'), ' ', to), province,
      h('button', { type: 'button', class: 'primary', onclick: () => void load() }, t('reports.show')), csv,
      h('button', { type: 'button', onclick: () => window.print() }, t('reports.print'))),
    out,
  );

  async function load() {
    const q = new URLSearchParams({ from: from.value, to: to.value });
    if (province.value.trim()) q.set('province', province.value.trim());
    csv.href = `/ui/api/reports?${q}&format=csv`;
    clear(out);
    let data;
    try {
      data = await api(`/reports?${q}`);
    } catch (e) {
      if (e.status === 400) return out.append(h('p', { class: 'error', role: 'alert' }, t('error.generic', { msg: e.message })));
      return failed(e);
    }
    if (data.rows.length === 0) return out.append(h('p', { class: 'muted' }, t('reports.empty')));
    const totals = new Map();
    for (const r of data.rows) totals.set(r.type, (totals.get(r.type) ?? 0) + r.count);
    out.append(
      h('p', {}, t('reports.period', { from: data.from, to: data.to }), ' — ', [...totals].map(([k, n]) => `${codeLabel('type', k)}: ${fmtNumber(n)}`).join(' · ')),
      h('table', {},
        h('thead', {}, h('tr', {}, ['reports.day', 'col.province', 'col.facility', 'reports.type', 'reports.count'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, data.rows.map((r) => h('tr', {}, h('td', {}, r.day), h('td', {}, r.province ?? t('province.none')), h('td', {}, r.name ?? r.fid), h('td', {}, codeLabel('type', r.type)), h('td', {}, fmtNumber(r.count)))))),
    );
  }
  await load();
}
