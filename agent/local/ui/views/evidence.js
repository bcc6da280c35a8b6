// The evidence, large, on click of an item's thumbnail: the event's context picture (the whole frame, faces
// pixelated, the people boxed, the rule's line or zone drawn) when the agent made one, else its snapshot crop.
// A <dialog>: Esc, the close button or a click beside the picture closes it.
import { h } from '../dom.js';
import { t, typeLabel } from '../i18n.js';
import { fmtTime } from '../format.js';

/** The URL of one of the event's pictures, only ever on this server's API. */
export function pictureUrl(ev, which) {
  const pic = ev[which];
  if (!pic) return null;
  const fallback = which === 'context' ? `/api/events/${encodeURIComponent(ev.event_id)}/context` : `/api/snapshots/${encodeURIComponent(ev.event_id)}`;
  const base = typeof pic.url === 'string' && pic.url.startsWith('/api/') ? pic.url : fallback;
  // The rev busts the cache when a revision has a new picture.
  return `${base}?rev=${encodeURIComponent(ev.rev ?? '')}`;
}

export function showEvidence(ev) {
  document.getElementById('evidence')?.remove();
  const which = ev.context ? 'context' : 'snapshot';
  const src = pictureUrl(ev, which);
  const dialog = h(
    'dialog',
    { id: 'evidence', class: 'evidence', dataset: { kind: which, eventId: ev.event_id } },
    h(
      'div',
      { class: 'evidence-head' },
      h('strong', {}, typeLabel(ev.type)),
      h('span', {}, ` · ${ev.camera_name ?? ev.camera_id} · ${fmtTime(ev.started_at)}`),
      h('button', { type: 'button', class: 'close', onclick: () => dialog.close() }, t('evidence.close')),
    ),
    src ? h('img', { src, alt: t(which === 'context' ? 'evidence.context' : 'evidence.snapshot') }) : h('p', { class: 'empty' }, t('alert.noSnapshot')),
    h('p', { class: 'evidence-note' }, t(which === 'context' ? 'evidence.context' : 'evidence.snapshot')),
  );
  dialog.addEventListener('click', (e) => {
    if (e.target === dialog) dialog.close();
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
