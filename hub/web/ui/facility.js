// One facility: its facts from the hub's read model and its newest alerts. Another province's facility is refused
// by the hub (403, written to its access log); the page says so.

import { api } from './api.js';
import { h } from './dom.js';
import { codeLabel, fmtAge, fmtNumber, fmtTime, t } from './i18n.js';
import { stateOf } from './overview.js';

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
