// Where an event happened, by name: the line or zone as the config names it (the id in the tooltip, where an
// installer looks for it) and the direction of a crossing.
import { h } from '../dom.js';
import { t } from '../i18n.js';

export function whereNodes(ev) {
  const parts = [];
  if (ev.line_id) parts.push(h('span', { class: 'where-line', title: ev.line_id }, t('alert.line', { name: ev.line_name ?? ev.line_id })));
  if (ev.zone_id) parts.push(h('span', { class: 'where-zone', title: ev.zone_id }, t('alert.zone', { name: ev.zone_name ?? ev.zone_id })));
  if (ev.direction) parts.push(h('span', {}, t(`dir.${ev.direction}`)));
  return parts.flatMap((p, i) => (i ? [' · ', p] : [p]));
}

/** The camera by name, its id in the tooltip. */
export function cameraNode(ev, tag = 'strong') {
  return h(tag, { class: 'cam-name', title: ev.camera_id }, ev.camera_name ?? ev.camera_id);
}
