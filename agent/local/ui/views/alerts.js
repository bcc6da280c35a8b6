// Alerts to review: one card per review item (the alerts of one camera and rule close together in time), most urgent
// first, with the count and the newest picture; acknowledged with one note per item, per camera, or all shown at
// once. The "done" tab lists what was acknowledged this shift. Cards are keyed by item id and rebuilt only when
// the item changed, so a note being typed survives other alerts arriving.

import { post } from '../api.js';
import { h } from '../dom.js';
import { fmtTime } from '../format.js';
import { t, typeLabel, currentLang, errorText } from '../i18n.js';
import { sortedOpen, onReviewChange, reloadOpen, loadDone, newestShown, isSnoozed } from '../review-store.js';
import { cameraNode, whereNodes } from './where.js';
import { pictureUrl, showEvidence } from './evidence.js';

export function renderAlerts(main, session, tab) {
  const list = h('div', { class: 'items', id: 'items', dataset: { tab } });
  const empty = h('p', { class: 'empty', id: 'items-empty', hidden: true }, t(tab === 'open' ? 'alerts.none' : 'alerts.noneDone'));
  const openTab = h('a', { href: '#/alerts', id: 'tab-open', class: tab === 'open' ? 'active' : '' }, t('alerts.tabOpen'));
  const doneTab = h('a', { href: '#/alerts/done', id: 'tab-done', class: tab === 'done' ? 'active' : '' }, t('alerts.tabDone', { h: session.alarm.shift_h ?? 12 }));
  main.append(h('div', { class: 'view-head' }, h('h1', {}, t('alerts.title')), h('nav', { class: 'tabs', 'aria-label': t('alerts.title') }, openTab, doneTab)));
  if (tab === 'done') return renderDone(main, list, empty);

  const note = h('input', { id: 'bulk-note', class: 'note', maxlength: '500', placeholder: t('alert.noteAll') });
  const all = h('button', { type: 'button', id: 'ack-all', class: 'primary' });
  const err = h('span', { class: 'error' });
  all.addEventListener('click', () => acknowledge({ through: newestShown() }, note, all, err));
  main.append(h('div', { class: 'bulk', id: 'bulk' }, note, all, err), list, empty);
  const cards = new Map(); // item_id → { el, sig }

  function draw() {
    const items = sortedOpen();
    all.textContent = t('alert.ackAll', { n: items.length });
    all.disabled = items.length === 0;
    empty.hidden = items.length > 0;
    const seen = new Set();
    let prev = null;
    for (const item of items) {
      seen.add(item.item_id);
      const sig = `${item.through}|${item.latest.rev}|${item.count}|${item.ongoing}|${item.snoozed || isSnoozed(item.camera_id)}|${currentLang()}`;
      let entry = cards.get(item.item_id);
      if (!entry || entry.sig !== sig) {
        // A new card (new alert, new picture), keeping what the guard is typing, and where: the focus and the caret.
        const input = entry?.el.querySelector('input.note');
        const focused = input !== undefined && input !== null && input === document.activeElement;
        const el = openCard(item, input?.value ?? '');
        if (entry) entry.el.replaceWith(el);
        if (focused) {
          const fresh = el.querySelector('input.note');
          fresh.focus();
          fresh.setSelectionRange(input.selectionStart, input.selectionEnd);
        }
        entry = { el, sig };
        cards.set(item.item_id, entry);
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
  return onReviewChange(draw);
}

function renderDone(main, list, empty) {
  main.append(list, empty);
  const load = () =>
    loadDone()
      .then((items) => {
        list.replaceChildren(...items.map(doneCard));
        empty.hidden = items.length > 0;
      })
      .catch((e) => list.replaceChildren(h('p', { class: 'error' }, errorText(e))));
  load();
  // An acknowledgement anywhere (a reload of the open items) may add to this tab.
  return onReviewChange((why) => why === 'reload' && load());
}

/** Acknowledges what `sel` names with the note typed in `noteInput`; the lists reload from the server. */
async function acknowledge(sel, noteInput, button, err) {
  button.disabled = true;
  err.textContent = '';
  try {
    const text = noteInput.value.trim();
    await post('/api/events/ack', { ...sel, ...(text && { note: text }) });
    noteInput.value = '';
    await reloadOpen();
  } catch (x) {
    err.textContent = errorText(x);
  } finally {
    button.disabled = false;
  }
}

function cardShell(item, extraClass, body) {
  const ev = item.latest;
  return h(
    'article',
    {
      class: `review-item sev-${item.severity}${extraClass}`,
      dataset: { itemId: item.item_id, eventId: ev.event_id, rev: String(ev.rev ?? ''), count: String(item.count), severity: item.severity },
    },
    thumb(ev),
    h(
      'div',
      { class: 'item-body' },
      h(
        'h2',
        { class: 'rule' },
        typeLabel(item.type),
        item.count > 1 && h('span', { class: 'badge count', title: t('alert.countTitle', { n: item.count }) }, t('alert.count', { n: item.count })),
        item.ongoing && h('span', { class: 'badge open' }, t('alert.open')),
        h('span', { class: 'badge sev' }, t(`sev.${item.severity}`)),
      ),
      h('p', { class: 'camera' }, cameraNode(item), ' ', whereNodes(ev)),
      h(
        'p',
        { class: 'meta' },
        h('time', { datetime: item.last_at }, item.count > 1 ? t('alert.span', { from: fmtTime(item.first_at), to: fmtTime(item.last_at) }) : fmtTime(item.last_at)),
        ' · ',
        t('alert.people', { n: ev.people ?? 0 }),
      ),
      body,
    ),
  );
}

function openCard(item, typed) {
  const snoozed = item.snoozed || isSnoozed(item.camera_id);
  const note = h('input', { class: 'note', name: 'note', maxlength: '500', placeholder: t('alert.note'), value: typed });
  const ack = h('button', { type: 'submit', class: 'primary ack' }, t('alert.ack'));
  const camera = h('button', { type: 'button', class: 'ack-camera', title: t('alert.ackCameraTitle') }, t('alert.ackCamera'));
  const err = h('span', { class: 'error' });
  const form = h('form', { class: 'ack-form' }, note, ack, camera, err);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void acknowledge({ from: item.item_id, through: item.through, camera_id: item.camera_id, rule_id: item.rule_id }, note, ack, err);
  });
  camera.addEventListener('click', () => {
    // Up to the newest alert of this camera shown now (not when the card was drawn).
    const through = sortedOpen()
      .filter((i) => i.camera_id === item.camera_id)
      .reduce((max, i) => (i.through > max ? i.through : max), '');
    void acknowledge({ camera_id: item.camera_id, through }, note, camera, err);
  });
  return cardShell(item, ` unacked${snoozed ? ' snoozed' : ''}`, form);
}

function doneCard(item) {
  const ev = item.latest;
  const by = h('p', { class: 'acked-by' }, t('alert.ackedBy', { by: ev.acked_by ?? '?', at: fmtTime(ev.acked_at ?? item.acked_at) }), ev.note ? h('span', { class: 'note-text' }, `: ${ev.note}`) : null);
  return cardShell(item, ' acked', by);
}

function thumb(ev) {
  const src = pictureUrl(ev, 'snapshot');
  if (!src) return h('button', { type: 'button', class: 'thumb none', onclick: () => showEvidence(ev), disabled: !ev.context }, t('alert.noSnapshot'));
  return h(
    'button',
    { type: 'button', class: 'thumb', title: t('evidence.open'), onclick: () => showEvidence(ev) },
    h('img', { src, alt: typeLabel(ev.type), loading: 'lazy', decoding: 'async' }),
  );
}
