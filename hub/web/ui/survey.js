// Camera survey (#/survey): one row per facility from its latest survey (cameras, share online over 24 h, default
// passwords, cameras without a rule), the totals on top, sortable and searchable; the registered facilities that
// sent no survey yet below. The hub narrows it to the user's scope (a national user may pick a province).

import { api } from './api.js';
import { clear, h } from './dom.js';
import { fmtNumber, fmtPercent, fmtTime, t } from './i18n.js';

const SORTS = {
  province: (a, b) => (a.province ?? '').localeCompare(b.province ?? '') || a.fid.localeCompare(b.fid),
  facility: (a, b) => (a.name ?? a.fid).localeCompare(b.name ?? b.fid),
  defaultPasswords: (a, b) => b.default_passwords - a.default_passwords || a.fid.localeCompare(b.fid),
  withoutRule: (a, b) => b.cameras_without_rule - a.cameras_without_rule || a.fid.localeCompare(b.fid),
  online: (a, b) => (a.online_share_24h ?? 2) - (b.online_share_24h ?? 2) || a.fid.localeCompare(b.fid),
  cameras: (a, b) => b.cameras - a.cameras || a.fid.localeCompare(b.fid),
};
const SORT_LABELS = {
  province: 'col.province',
  facility: 'col.facility',
  defaultPasswords: 'survey.defaultPasswords',
  withoutRule: 'survey.withoutRule',
  online: 'survey.online',
  cameras: 'survey.cameras',
};

export async function renderSurvey({ me, main, failed }) {
  const state = { q: '', sort: 'province', province: '' };
  let data;
  try {
    data = await api('/survey');
  } catch (e) {
    return failed(e);
  }
  // A national user narrows to one province at the hub (the list of provinces is the first, unfiltered answer's).
  const provinces = [...new Set([...data.facilities, ...data.not_surveyed].map((f) => f.province).filter((p) => p))].sort();
  const province = h(
    'select',
    { 'aria-label': t('col.province'), hidden: me.tier !== 'national', onchange: () => void reload() },
    h('option', { value: '' }, t('filter.province')),
    provinces.map((p) => h('option', { value: p }, p)),
  );
  const search = h('input', { type: 'search', placeholder: t('survey.search'), 'aria-label': t('survey.search'), oninput: () => ((state.q = search.value.trim().toLowerCase()), draw()) });
  const sort = h(
    'select',
    { 'aria-label': t('sort.label'), onchange: () => ((state.sort = sort.value), draw()) },
    Object.keys(SORTS).map((k) => h('option', { value: k }, t(SORT_LABELS[k]))),
  );
  const cards = h('div', { class: 'cards', id: 'survey-totals' });
  const table = h('div', {});
  const silent = h('div', {});
  main.append(h('h1', {}, t('survey.title')), cards, h('div', { class: 'controls' }, search, province, h('label', {}, t('sort.label'), ' ', sort)), table, silent);
  draw();

  async function reload() {
    try {
      data = await api(province.value ? `/survey?province=${encodeURIComponent(province.value)}` : '/survey');
    } catch (e) {
      return failed(e);
    }
    draw();
  }

  function draw() {
    clear(cards);
    clear(table);
    clear(silent);
    const n = data.totals;
    const card = (key, value, bad) => h('div', { class: 'card', dataset: { total: key } }, h('b', {}, t(key)), h('span', { class: bad ? 'bad' : '' }, value));
    cards.append(
      card('survey.facilities', fmtNumber(n.facilities), false),
      card('survey.cameras', fmtNumber(n.cameras), false),
      card('survey.online', fmtPercent(n.online_share_24h), n.online_share_24h !== null && n.online_share_24h < 0.9),
      card('survey.defaultPasswords', fmtNumber(n.default_passwords), n.default_passwords > 0),
      card('survey.withoutRule', fmtNumber(n.cameras_without_rule), n.cameras_without_rule > 0),
    );
    if (data.not_surveyed.length > 0) {
      silent.append(h('p', { class: 'muted', id: 'not-surveyed' }, t('survey.notSurveyed', { n: fmtNumber(data.not_surveyed.length) }), ' ',
        data.not_surveyed.map((f, i) => [i > 0 ? ', ' : '', h('a', { href: `#/facility/${encodeURIComponent(f.fid)}` }, f.name ?? f.fid)])));
    }
    if (data.facilities.length === 0) return table.append(h('p', { class: 'muted' }, t('survey.empty')));
    const rows = data.facilities
      .filter((f) => !state.q || [f.fid, f.name ?? '', f.province ?? ''].some((x) => x.toLowerCase().includes(state.q)))
      .sort(SORTS[state.sort]);
    if (rows.length === 0) return table.append(h('p', { class: 'muted' }, t('survey.none')));
    const head = ['col.facility', 'col.province', 'survey.cameras', 'survey.online', 'survey.defaultPasswords', 'survey.withoutRule', 'col.version', 'survey.received'];
    table.append(
      h('table', { id: 'survey-summary' },
        h('thead', {}, h('tr', {}, head.map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, rows.map((f) => h('tr', { dataset: { fid: f.fid } },
          h('td', {}, h('a', { href: `#/facility/${encodeURIComponent(f.fid)}` }, f.name ?? f.fid), f.name ? h('div', { class: 'muted' }, f.fid) : null),
          h('td', {}, f.province ?? t('province.none')),
          h('td', {}, fmtNumber(f.cameras)),
          h('td', { class: f.online_share_24h !== null && f.online_share_24h < 0.9 ? 'bad' : '' }, fmtPercent(f.online_share_24h)),
          h('td', { class: f.default_passwords > 0 ? 'bad' : '' }, fmtNumber(f.default_passwords)),
          h('td', { class: f.cameras_without_rule > 0 ? 'warn' : '' }, fmtNumber(f.cameras_without_rule)),
          h('td', {}, f.agent_version),
          h('td', {}, fmtTime(f.ts)))))),
    );
  }
}
