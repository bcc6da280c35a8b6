// Shared bits of an event's description: where it happened (line/zone + direction) and its rule label.
import { t } from '../i18n.js';

export function whereText(ev) {
  const parts = [];
  if (ev.line_id) parts.push(t('alert.line', { id: ev.line_id }));
  if (ev.zone_id) parts.push(t('alert.zone', { id: ev.zone_id }));
  if (ev.direction) parts.push(t(`dir.${ev.direction}`));
  return parts.join(' · ');
}
