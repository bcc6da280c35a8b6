// Overview: every facility the user may see, grouped by province, with its state; counts per province on top;
// sortable, filterable by state, searchable by name or id. The list comes from the hub's one read model.

import { api } from './api.js';
import { clear, h } from './dom.js';
import { codeLabel, fmtAge, fmtNumber, fmtTime, t } from './i18n.js';

/** online / offline / stale: what a province officer needs to act on. */
export function stateOf(f) {
  if (f.status === 'offline') return 'offline';
  // Never heard a status or heartbeat from (only events): unknown, not "offline since —".
  if (f.status !== 'online') return f.last_heartbeat_at !== null && f.heartbeat_stale ? 'offline' : 'unknown';
  return f.heartbeat_stale ? 'stale' : 'online';
}

const SORTS = {
  province: (a, b) => (a.province ?? '').localeCompare(b.province ?? '') || a.fid.localeCompare(b.fid),
  facility: (a, b) => (a.name ?? a.fid).localeCompare(b.name ?? b.fid),
  state: (a, b) => rank(stateOf(a)) - rank(stateOf(b)) || a.fid.localeCompare(b.fid),
  backlog: (a, b) => (b.outbox?.pending ?? -1) - (a.outbox?.pending ?? -1),
  lastAlert: (a, b) => (b.last_event_at ?? '').localeCompare(a.last_event_at ?? ''),
};
const rank = (s) => ({ offline: 0, stale: 1, unknown: 2, online: 3 })[s] ?? 4;

export async function renderOverview({ main, failed }) {
  let data;
  try {
    data = await api('/overview');
  } catch (e) {
    return failed(e);
  }
  const state = { q: '', filter: '', sort: 'province' };
  const search = h('input', { type: 'search', placeholder: t('overview.search'), 'aria-label': t('overview.search'), oninput: () => ((state.q = search.value.trim().toLowerCase()), draw()) });
  const filter = h(
    'select',
    { 'aria-label': t('col.state'), onchange: () => ((state.filter = filter.value), draw()) },
    h('option', { value: '' }, t('overview.filter.all')),
    ['online', 'stale', 'offline', 'unknown'].map((s) => h('option', { value: s }, t(`state.${s}`))),
  );
  const sort = h(
    'select',
    { 'aria-label': t('sort.label'), onchange: () => ((state.sort = sort.value), draw()) },
    Object.keys(SORTS).map((k) => h('option', { value: k }, t(k === 'province' ? 'col.province' : k === 'facility' ? 'col.facility' : k === 'state' ? 'col.state' : k === 'backlog' ? 'col.backlog' : 'col.lastAlert'))),
  );
  const cards = h('div', { class: 'cards', 'aria-label': t('col.province') });
  const table = h('div', {});
  main.append(h('h1', {}, t('overview.title')), cards, h('div', { class: 'controls' }, search, filter, h('label', {}, t('sort.label'), ' ', sort)), table);
  drawCards(cards, data.facilities);
  draw();

  function draw() {
    clear(table);
    if (data.facilities.length === 0) return table.append(h('p', { class: 'muted' }, t('overview.empty')));
    const rows = data.facilities
      .filter((f) => !state.filter || stateOf(f) === state.filter)
      .filter((f) => !state.q || f.fid.toLowerCase().includes(state.q) || (f.name ?? '').toLowerCase().includes(state.q))
      .sort(SORTS[state.sort]);
    if (rows.length === 0) return table.append(h('p', { class: 'muted' }, t('overview.none')));
    const body = h('tbody', {});
    let group = null;
    for (const f of rows) {
      // Grouped by province when sorted by province; a flat list otherwise (a sort across provinces).
      if (state.sort === 'province' && f.province !== group) {
        group = f.province;
        body.append(h('tr', { class: 'group' }, h('td', { colspan: 7 }, f.province ?? t('province.none'))));
      }
      body.append(row(f, Date.parse(data.now)));
    }
    const head = ['col.facility', 'col.state', 'col.cameras', 'col.backlog', 'col.skew', 'col.version', 'col.lastAlert'];
    table.append(h('table', { id: 'facilities' }, h('thead', {}, h('tr', {}, head.map((k) => h('th', { scope: 'col' }, t(k))))), body));
  }
}

function drawCards(cards, facilities) {
  const by = new Map();
  for (const f of facilities) {
    const k = f.province ?? '';
    const c = by.get(k) ?? { total: 0, online: 0, offline: 0, stale: 0 };
    c.total++;
    const s = stateOf(f);
    if (s === 'online') c.online++;
    else if (s === 'stale') c.stale++;
    else c.offline++; // offline or never heard from: both dark
    by.set(k, c);
  }
  for (const [p, c] of [...by].sort((a, b) => a[0].localeCompare(b[0]))) {
    cards.append(
      h('div', { class: 'card', dataset: { province: p } }, h('b', {}, p || t('province.none')), t('province.card', { online: fmtNumber(c.online), total: fmtNumber(c.total) }), h('br'),
        h('span', { class: c.offline + c.stale > 0 ? 'state-offline' : 'muted' }, t('province.cardBad', { offline: fmtNumber(c.offline), stale: fmtNumber(c.stale) }))),
    );
  }
}

function row(f, now) {
  const s = stateOf(f);
  const heard = f.last_heartbeat_at ? ` (${t('state.lastHeard', { time: fmtTime(f.last_heartbeat_at) })})` : '';
  const stateText = s === 'online' ? t('state.online') : `${t(`state.${s}`)}${heard}`;
  const down = f.cameras.filter((c) => c.state !== 'online');
  const backlog = f.outbox === null ? '—' : f.outbox.pending === 0 ? t('backlog.empty') : t('backlog.value', { n: fmtNumber(f.outbox.pending), age: fmtAge(f.outbox.oldest_age_s) });
  return h(
    'tr',
    { dataset: { fid: f.fid, state: s } },
    h('td', {}, h('a', { href: `#/facility/${encodeURIComponent(f.fid)}` }, f.name ?? f.fid), f.name ? h('div', { class: 'muted' }, f.fid) : null),
    h('td', { class: `state-${s}` }, stateText),
    h('td', {}, down.length === 0 ? h('span', { class: 'muted' }, t('cams.allOk')) : down.map((c) => h('div', {}, `${c.id}: ${codeLabel('cam', c.state)} (${fmtAge((now - Date.parse(c.since)) / 1000)})`))),
    h('td', {}, backlog),
    h('td', {}, f.clock_skew_s === null ? '—' : t('skew.value', { s: fmtNumber(f.clock_skew_s) })),
    h('td', {}, f.agent_version ?? '—'),
    h('td', {}, fmtTime(f.last_event_at)),
  );
}
