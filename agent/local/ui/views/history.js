// History: events filtered by camera, type, time range and acknowledgement, paged with `before` (the last row's
// time), and the CSV export for admins (a plain link: the browser downloads it with the session cookie). Times are
// typed and shown as the page's language writes them (dd/mm/yyyy hh:mm), in the facility's zone, not the device's.

import { get, query } from '../api.js';
import { h } from '../dom.js';
import { fmtTime, facilityTimeToIso } from '../format.js';
import { t, typeLabel, knownTypes, errorText } from '../i18n.js';
import { cameraNode, whereNodes } from './where.js';

const PAGE = 50;


export function renderHistory(main, session) {
  const camera = h('select', { name: 'camera' }, h('option', { value: '' }, t('history.any')));
  const type = h('select', { name: 'type' }, h('option', { value: '' }, t('history.any')), ...knownTypes.map((k) => h('option', { value: k }, typeLabel(k))));
  const from = h('input', { name: 'from', inputmode: 'numeric', placeholder: t('date.placeholder'), autocomplete: 'off' });
  const to = h('input', { name: 'to', inputmode: 'numeric', placeholder: t('date.placeholder'), autocomplete: 'off' });
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
      for (const c of data?.cameras ?? []) camera.append(h('option', { value: c.id, title: c.id }, c.name ?? c.id));
    })
    .catch(() => {});

  let before = '';
  const filters = () => ({ camera: camera.value, type: type.value, acked: acked.value, from: facilityTimeToIso(from.value), to: facilityTimeToIso(to.value) });

  async function load(reset) {
    const f = filters();
    for (const [input, iso] of [[from, f.from], [to, f.to]]) input.classList.toggle('invalid', iso === null);
    if (f.from === null || f.to === null) {
      status.textContent = t('history.badDate');
      return;
    }
    if (reset) {
      tbody.replaceChildren();
      before = '';
    }
    status.textContent = t('loading');
    try {
      const data = await get(`/api/events${query({ ...f, limit: PAGE, before })}`);
      const evs = data?.events ?? [];
      for (const ev of evs) tbody.append(row(ev));
      before = data?.next_before ?? '';
      more.hidden = !before;
      status.textContent = tbody.children.length ? '' : t('history.none');
      exportLink.href = `/api/events.csv${query(f)}`;
    } catch (e) {
      status.textContent = errorText(e);
    }
  }

  form.addEventListener('submit', (e) => (e.preventDefault(), load(true)));
  more.addEventListener('click', () => load(false));
  load(true);
}

function row(ev) {
  const ack = ev.acked_by ? `${ev.acked_by} ${fmtTime(ev.acked_at)}${ev.note ? `: ${ev.note}` : ''}` : '—';
  return h(
    'tr',
    { dataset: { eventId: ev.event_id }, class: ev.acked_by ? 'acked' : 'unacked' },
    h('td', {}, fmtTime(ev.started_at)),
    h('td', {}, cameraNode(ev, 'span')),
    h('td', {}, typeLabel(ev.type)),
    h('td', {}, whereNodes(ev)),
    h('td', { class: 'num' }, String(ev.people ?? '')),
    h('td', {}, ack),
  );
}
