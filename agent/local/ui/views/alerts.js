// Live alerts: one card per violation, unacknowledged first, newest first. Cards are keyed by event_id and rebuilt
// only when their revision or acknowledgement changes, so a note being typed survives other alerts arriving.

import { post } from '../api.js';
import { h, fmtTime } from '../dom.js';
import { t, typeLabel, currentLang } from '../i18n.js';
import { sortedAlerts, onAlertsChange, upsert, isAcked, isSnoozed } from '../alerts-store.js';
import { whereText } from './where.js';

export function renderAlerts(main) {
  const count = h('span', { class: 'count', id: 'unacked-count' });
  const list = h('div', { class: 'alerts', id: 'alerts' });
  const empty = h('p', { class: 'empty' }, t('alerts.none'));
  main.append(h('div', { class: 'view-head' }, h('h1', {}, t('alerts.title')), count), list, empty);
  const cards = new Map(); // event_id → { el, sig }

  function draw() {
    const evs = sortedAlerts();
    const unacked = evs.filter((e) => !isAcked(e)).length;
    count.textContent = t('alerts.unacked', { n: unacked });
    count.classList.toggle('hot', unacked > 0);
    empty.hidden = evs.length > 0;
    const seen = new Set();
    let prev = null;
    for (const ev of evs) {
      seen.add(ev.event_id);
      const sig = `${ev.rev}|${ev.state}|${ev.acked_at ?? ''}|${isSnoozed(ev.camera_id)}|${currentLang()}`;
      let entry = cards.get(ev.event_id);
      if (!entry || entry.sig !== sig) {
        const note = entry?.el.querySelector('input.note')?.value ?? '';
        const el = card(ev, note);
        if (entry) entry.el.replaceWith(el);
        entry = { el, sig };
        cards.set(ev.event_id, entry);
      }
      const want = prev ? prev.nextSibling : list.firstChild;
      if (want !== entry.el) list.insertBefore(entry.el, want);
      prev = entry.el;
    }
    for (const [id, entry] of cards) {
      if (seen.has(id)) continue;
      entry.el.remove();
      cards.delete(id);
    }
  }

  draw();
  return onAlertsChange(draw);
}

function card(ev, noteValue) {
  const lang = currentLang();
  const acked = isAcked(ev);
  const open = ev.state !== 'end' && ev.ended_at === null;
  const el = h(
    'article',
    {
      class: `alert-card sev-${ev.severity ?? 'warning'}${acked ? ' acked' : ' unacked'}${ev.snoozed || isSnoozed(ev.camera_id) ? ' snoozed' : ''}`,
      dataset: { eventId: ev.event_id, rev: String(ev.rev ?? ''), acked: acked ? '1' : '0' },
    },
    snapshot(ev),
    h(
      'div',
      { class: 'alert-body' },
      h('h2', { class: 'rule' }, typeLabel(ev.type), open && h('span', { class: 'badge open' }, t('alert.open')), h('span', { class: `badge sev` }, t(`sev.${ev.severity}`))),
      h('p', { class: 'camera' }, h('strong', {}, ev.camera_name ?? ev.camera_id), ' ', whereText(ev)),
      h('p', { class: 'meta' }, h('time', { datetime: ev.started_at }, fmtTime(ev.started_at, lang)), ' · ', t('alert.people', { n: ev.people ?? 0 })),
      acked ? ackedLine(ev, lang) : ackForm(ev, noteValue),
    ),
  );
  return el;
}

function snapshot(ev) {
  if (!ev.snapshot) return h('div', { class: 'thumb none' }, t('alert.noSnapshot'));
  // The server's URL when given (it knows where the file is); the rev busts the cache when a revision has a new picture.
  const base = typeof ev.snapshot.url === 'string' && ev.snapshot.url.startsWith('/api/') ? ev.snapshot.url : `/api/snapshots/${encodeURIComponent(ev.event_id)}`;
  const src = `${base}?rev=${encodeURIComponent(ev.rev ?? '')}`;
  return h('a', { class: 'thumb', href: src, target: '_blank', rel: 'noopener' }, h('img', { src, alt: typeLabel(ev.type), loading: 'lazy', decoding: 'async' }));
}

function ackedLine(ev, lang) {
  return h(
    'p',
    { class: 'acked-by' },
    t('alert.ackedBy', { by: ev.acked_by ?? '?', at: fmtTime(ev.acked_at, lang) }),
    ev.note ? h('span', { class: 'note-text' }, `: ${ev.note}`) : null,
  );
}

function ackForm(ev, noteValue) {
  const note = h('input', { class: 'note', name: 'note', maxlength: '500', placeholder: t('alert.note'), value: noteValue });
  const btn = h('button', { type: 'submit', class: 'primary ack' }, t('alert.ack'));
  const err = h('span', { class: 'error' });
  const form = h('form', { class: 'ack-form' }, note, btn, err);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    btn.disabled = true;
    try {
      const body = note.value.trim() ? { note: note.value.trim() } : {};
      const res = await post(`/api/events/${encodeURIComponent(ev.event_id)}/ack`, body);
      const updated = res?.event ?? res;
      if (updated?.event_id) upsert(updated);
      else upsert({ ...ev, acked_by: res?.acked_by ?? '…', acked_at: res?.acked_at ?? new Date().toISOString(), note: body.note });
    } catch (x) {
      err.textContent = t('error.generic', { msg: x.message });
      btn.disabled = false;
    }
  });
  return form;
}
