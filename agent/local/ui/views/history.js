// History: events filtered by camera, type, time range and acknowledgement, paged with `before` (the last row's
// time), and the CSV export for admins (a plain link: the browser downloads it with the session cookie).

import { get, query } from '../api.js';
import { h, fmtTime, facilityTimeToIso } from '../dom.js';
import { t, typeLabel, knownTypes, currentLang } from '../i18n.js';
import { whereText } from './where.js';

const PAGE = 50;


export function renderHistory(main, session) {
  const camera = h('select', { name: 'camera' }, h('option', { value: '' }, t('history.any')));
  const type = h('select', { name: 'type' }, h('option', { value: '' }, t('history.any')), ...knownTypes.map((k) => h('option', { value: k }, typeLabel(k))));
  const from = h('input', { type: 'datetime-local', name: 'from' });
  const to = h('input', { type: 'datetime-local', name: 'to' });
  const acked = h('select', { name: 'acked' }, h('option', { value: '' }, t('history.any')), h('option', { value: 'true' }, t('history.yes')), h('option', { value: 'false' }, t('history.no')));
  const exportLink = h('a', { class: 'button', id: 'export-csv', download: 'qmon-events.csv', hidden: session.role !== 'admin' }, t('history.export'));
  const form = h(
    'form',
    { class: 'filters', id: 'history-filters' },
    ...[
      [t('history.camera'), camera],
      [t('history.type'), type],
      [t('history.from'), from],
      [t('history.to'), to],
      [t('history.acked'), acked],
    ].map(([l, el]) => h('label', { class: 'field' }, h('span', {}, l), el)),
    h('button', { type: 'submit', class: 'primary' }, t('history.apply')),
    exportLink,
  );
  const tbody = h('tbody', { id: 'history-rows' });
  const table = h(
    'table',
    { class: 'history' },
    h('thead', {}, h('tr', {}, ...['col.time', 'col.camera', 'col.type', 'col.where', 'col.people', 'col.ack'].map((k) => h('th', {}, t(k))))),
    tbody,
  );
  const more = h('button', { type: 'button', id: 'history-more', hidden: true }, t('history.more'));
  const status = h('p', { class: 'empty' });
  main.append(h('div', { class: 'view-head' }, h('h1', {}, t('history.title'))), form, h('div', { class: 'table-wrap' }, table), status, more);

  get('/api/cameras')
    .then((data) => {
      for (const c of Array.isArray(data) ? data : (data?.cameras ?? [])) camera.append(h('option', { value: c.id ?? c.camera_id }, c.name ?? c.id ?? c.camera_id));
    })
    .catch(() => {});

  let before = '';
  const filters = () => ({ camera: camera.value, type: type.value, acked: acked.value, from: facilityTimeToIso(from.value), to: facilityTimeToIso(to.value) });

  async function load(reset) {
    if (reset) {
      tbody.replaceChildren();
      before = '';
    }
    status.textContent = t('loading');
    try {
      const f = filters();
      const data = await get(`/api/events${query({ ...f, limit: PAGE, before })}`);
      const evs = data?.events ?? [];
      for (const ev of evs) tbody.append(row(ev));
      before = data?.next_before ?? '';
      more.hidden = !before;
      status.textContent = tbody.children.length ? '' : t('history.none');
      exportLink.href = `/api/events.csv${query(f)}`;
    } catch (e) {
      status.textContent = t('error.generic', { msg: e.message });
    }
  }

  form.addEventListener('submit', (e) => (e.preventDefault(), load(true)));
  more.addEventListener('click', () => load(false));
  load(true);
}

function row(ev) {
  const lang = currentLang();
  const ack = ev.acked_by ? `${ev.acked_by} ${fmtTime(ev.acked_at, lang)}${ev.note ? `: ${ev.note}` : ''}` : '—';
  return h(
    'tr',
    { dataset: { eventId: ev.event_id }, class: ev.acked_by ? 'acked' : 'unacked' },
    h('td', {}, fmtTime(ev.started_at, lang)),
    h('td', {}, ev.camera_name ?? ev.camera_id),
    h('td', {}, typeLabel(ev.type)),
    h('td', {}, whereText(ev)),
    h('td', { class: 'num' }, String(ev.people ?? '')),
    h('td', {}, ack),
  );
}
