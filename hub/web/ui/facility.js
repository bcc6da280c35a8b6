// One facility: its facts from the hub's read model, its heartbeats, its camera survey and its newest alerts. Another province's facility is refused
// by the hub (403, written to its access log); the page says so.

import { api } from './api.js';
import { h } from './dom.js';
import { codeLabel, fmtAge, fmtNumber, fmtTime, t } from './i18n.js';
import { stateOf } from './overview.js';
import { facilitySurvey } from './survey-table.js';

export async function renderFacility({ main, failed }, fid) {
  let data;
  try {
    data = await api(`/facilities/${encodeURIComponent(fid)}`);
  } catch (e) {
    return failed(e);
  }
  const f = data.facility;
  main.append(h('p', {}, h('a', { href: '#/overview' }, t('facility.back'))), h('h1', {}, t('facility.title', { name: f?.name ?? data.registry?.name ?? fid })));
  if (f) {
    const s = stateOf(f);
    const fact = (k, v) => [h('dt', {}, t(k)), h('dd', {}, v)];
    main.append(
      h('dl', { class: 'facts' },
        fact('facility.fid', f.fid),
        fact('col.province', f.province ?? t('province.none')),
        fact('col.state', h('span', { class: `state-${s}` }, t(`state.${s}`))),
        fact('facility.heartbeat', fmtTime(f.last_heartbeat_at)),
        fact('col.version', f.agent_version ?? '—'),
        fact('col.backlog', f.outbox ? t('backlog.value', { n: fmtNumber(f.outbox.pending), age: fmtAge(f.outbox.oldest_age_s) }) : '—'),
        fact('facility.disk', f.disk_free_mb === null ? '—' : t('facility.diskValue', { n: fmtNumber(f.disk_free_mb) })),
        fact('facility.events', fmtNumber(f.events)),
        fact('facility.missing', fmtNumber(f.missing_seqs)),
        fact('facility.cameras', f.cameras.map((c) => h('div', {}, `${c.id}: ${codeLabel('cam', c.state)} ${t('state.since', { time: fmtTime(c.since) })}`)))),
    );
  }
  main.append(h('h2', {}, t('facility.heartbeats')), heartbeatHistory(data.heartbeats ?? []));
  main.append(facilitySurvey(fid));
  if (data.registry) {
    const r = data.registry;
    const fact = (k, v) => [h('dt', {}, t(k)), h('dd', {}, v)];
    main.append(
      h('h2', {}, t('facility.registry')),
      h('dl', { class: 'facts', id: 'registry' },
        fact('facility.addedAt', fmtTime(r.added_at)),
        fact('facility.enabled', r.disabled ? t('facility.disabled') : t('facility.active')),
        fact('facility.kid', r.kid ?? t('facility.noKey')),
        fact('facility.nextKid', r.next_kid ?? '—'),
        fact('facility.publicKey', h('code', {}, r.public_key ?? '—'))),
    );
  }
  main.append(h('h2', {}, t('facility.alerts')));
  main.append(
    h('ul', { class: 'alerts' },
      data.alerts.map((a) =>
        h('li', { class: `alert sev-${a.severity}` },
          h('div', { class: 'row' }, h('b', {}, codeLabel('type', a.type)), h('span', {}, t('alert.camera', { id: a.camera_id })), h('span', { class: 'muted' }, fmtTime(a.ts))),
          a.review ? h('div', { class: 'reviewed' }, t('alert.reviewed', { who: a.review.reviewer, time: fmtTime(a.review.at), note: a.review.note })) : null)),
      data.alerts.length === 0 ? h('li', { class: 'muted' }, t('alerts.empty')) : null),
  );
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/** The outbox backlog over the last 24 h as a line (the hub's own heartbeat numbers), and the newest heartbeats. */
function heartbeatHistory(points) {
  if (points.length === 0) return h('p', { class: 'muted' }, t('facility.noHeartbeats'));
  const W = 600;
  const H = 120;
  const t0 = Date.parse(points[0].at);
  const span = Math.max(1, Date.parse(points[points.length - 1].at) - t0);
  const max = Math.max(1, ...points.map((p) => p.pending));
  const xy = points.map((p) => `${(((Date.parse(p.at) - t0) / span) * (W - 10) + 5).toFixed(1)},${(H - 5 - (p.pending / max) * (H - 10)).toFixed(1)}`).join(' ');
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': t('facility.backlogChart', { max: fmtNumber(max) }), id: 'backlog-chart' },
    svg('rect', { x: 0, y: 0, width: W, height: H, fill: '#ffffff', stroke: '#d5dbe2' }),
    svg('polyline', { points: xy, fill: 'none', stroke: '#1565c0', 'stroke-width': 2 }),
    // The newest point marked, so a single heartbeat shows too.
    ((last) => svg('circle', { cx: last[0], cy: last[1], r: 4, fill: '#1565c0' }))(xy.split(' ').pop().split(',')));
  const recent = points.slice(-10).reverse();
  return h('div', {},
    h('p', { class: 'muted' }, t('facility.backlogChart', { max: fmtNumber(max) })),
    chart,
    h('table', { id: 'heartbeats' },
      h('thead', {}, h('tr', {}, ['facility.hbAt', 'col.backlog', 'facility.camerasOnline'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, recent.map((p) => h('tr', {}, h('td', {}, fmtTime(p.at)),
        h('td', {}, p.pending === 0 ? t('backlog.empty') : t('backlog.value', { n: fmtNumber(p.pending), age: fmtAge(p.oldest_age_s) })),
        h('td', {}, `${fmtNumber(p.cameras_online)}/${fmtNumber(p.cameras_total)}`))))));
}
