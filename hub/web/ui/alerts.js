// Live alerts across facilities: newest first, filtered by province, facility, type and severity (the filters go to
// the hub, which also narrows to the user's scope); new alerts and other officers' reviews arrive over SSE.

import { api, pictureUrl } from './api.js';
import { clear, h } from './dom.js';
import { codeLabel, fmtTime, t } from './i18n.js';

const TYPES = ['no_mask', 'line_cross', 'zone_intrusion', 'gathering', 'distancing', 'loitering', 'camera_offline', 'camera_tamper', 'agent_alarm'];
const SEVERITIES = ['critical', 'warning', 'info'];
let source = null;

export function stopAlerts() {
  source?.close();
  source = null;
}

export async function renderAlerts({ me, main, failed, showBanner }) {
  let overview;
  try {
    overview = await api('/overview');
  } catch (e) {
    return failed(e);
  }
  const names = new Map(overview.facilities.map((f) => [f.fid, f.name ?? f.fid]));
  const provinceOf = new Map(overview.facilities.map((f) => [f.fid, f.province]));
  const provinces = [...new Set(overview.facilities.map((f) => f.province).filter(Boolean))].sort();
  const sel = (label, values, text) => h('select', { 'aria-label': label, onchange: () => void load() }, h('option', { value: '' }, label), values.map((v) => h('option', { value: v }, text(v))));
  const province = sel(t('filter.province'), provinces, (p) => p);
  const facility = sel(t('filter.facility'), [...names.keys()].sort(), (fid) => names.get(fid));
  const type = sel(t('filter.type'), TYPES, (v) => codeLabel('type', v));
  const severity = sel(t('filter.severity'), SEVERITIES, (v) => codeLabel('sev', v));
  if (me.tier !== 'national') province.hidden = true;
  const list = h('ul', { class: 'alerts', id: 'alerts', 'aria-live': 'polite' });
  main.append(h('h1', {}, t('alerts.title')), h('div', { class: 'controls' }, province, facility, type, severity, h('span', { class: 'muted' }, `● ${t('alerts.live')}`)), list);
  const items = new Map();

  const matches = (a) =>
    (!province.value || provinceOf.get(a.fid) === province.value) && (!facility.value || a.fid === facility.value) && (!type.value || a.type === type.value) && (!severity.value || a.severity === severity.value);

  async function load() {
    const q = new URLSearchParams();
    if (province.value) q.set('province', province.value);
    if (facility.value) q.set('fid', facility.value);
    if (type.value) q.set('type', type.value);
    if (severity.value) q.set('severity', severity.value);
    let data;
    try {
      data = await api(`/alerts?${q}`);
    } catch (e) {
      return failed(e);
    }
    clear(list);
    items.clear();
    for (const a of data.alerts) list.append(item(a));
    if (data.alerts.length === 0) list.append(h('li', { class: 'muted empty' }, t('alerts.empty')));
  }

  function item(a) {
    const key = `${a.fid}/${a.event_id}`;
    const reviewed = h('div', { class: 'reviewed' });
    const pic = h('div', {});
    const note = h('input', { type: 'text', maxlength: 500, placeholder: t('alert.notePlaceholder'), 'aria-label': t('alert.notePlaceholder') });
    const canReview = me.tier === 'national' || me.tier === 'province';
    const li = h(
      'li',
      { class: `alert sev-${a.severity}`, dataset: { key, fid: a.fid, type: a.type } },
      h('div', { class: 'row' }, h('b', { class: `sev-${a.severity}` }, codeLabel('sev', a.severity)), h('b', {}, codeLabel('type', a.type)), h('span', {}, names.get(a.fid) ?? a.fid),
        h('span', {}, t('alert.camera', { id: a.camera_id })), h('span', { class: 'muted' }, `${fmtTime(a.ts)} · ${codeLabel('alert.state', a.state)}${a.replay ? ` · ${t('alert.replay')}` : ''}`)),
      h('div', { class: 'review' },
        h('button', { type: 'button', onclick: () => void showPicture() }, t('alert.picture')),
        canReview ? [note, h('button', { type: 'button', class: 'primary', onclick: () => void markReviewed() }, t('alert.review'))] : null),
      reviewed,
      pic,
    );
    const showReview = (r) => {
      reviewed.textContent = r ? t('alert.reviewed', { who: r.reviewer, time: fmtTime(r.at), note: r.note }) : '';
    };
    showReview(a.review);
    async function showPicture() {
      clear(pic);
      try {
        pic.append(h('img', { src: await pictureUrl(a.fid, a.event_id), alt: codeLabel('type', a.type) }));
      } catch (e) {
        pic.append(h('p', { class: e.status === 404 ? 'muted' : 'error' }, e.status === 404 ? t('alert.noPicture') : e.status === 403 ? t('error.forbidden') : t('error.generic', { msg: e.message })));
      }
    }
    async function markReviewed() {
      try {
        const r = await api(`/alerts/${encodeURIComponent(a.fid)}/${encodeURIComponent(a.event_id)}/review`, { method: 'POST', body: { note: note.value } });
        showReview(r.review);
        note.value = '';
      } catch (e) {
        failed(e);
      }
    }
    items.set(key, { li, showReview });
    return li;
  }

  await load();
  stopAlerts();
  source = new EventSource('/ui/api/stream');
  let lost = false;
  // Back after a lost stream: what was committed meanwhile is read again (the stream does not replay it).
  source.addEventListener('open', () => {
    showBanner('');
    if (lost) void load();
    lost = false;
  });
  source.addEventListener('error', () => {
    lost = true;
    showBanner(t('stream.lost'));
  });
  source.addEventListener('alert', (ev) => {
    const a = JSON.parse(ev.data);
    if (!matches(a)) return;
    const key = `${a.fid}/${a.event_id}`;
    const old = items.get(key);
    a.review = null;
    list.querySelector('.empty')?.remove();
    const li = item(a);
    if (old) old.li.replaceWith(li);
    list.prepend(li);
  });
  source.addEventListener('review', (ev) => {
    const r = JSON.parse(ev.data);
    items.get(`${r.fid}/${r.event_id}`)?.showReview(r);
  });
}
