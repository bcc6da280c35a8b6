// The alerts the page knows, keyed by event_id: one entry per violation, replaced in place when a newer revision or an
// acknowledgement arrives (a gathering that goes on updates its card, never duplicates it).

import { get, query } from './api.js';

const events = new Map();
const listeners = new Set();
let snoozes = [];

export function onAlertsChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function changed() {
  for (const fn of listeners) fn();
}

/** Keeps the higher revision; an acknowledgement (which does not bump rev) is merged into whatever we hold. */
export function upsert(ev) {
  if (!ev || typeof ev.event_id !== 'string') return false;
  const old = events.get(ev.event_id);
  if (old && typeof old.rev === 'number' && typeof ev.rev === 'number' && ev.rev < old.rev) {
    if (ev.acked_by && !old.acked_by) events.set(ev.event_id, { ...old, acked_by: ev.acked_by, acked_at: ev.acked_at, note: ev.note });
    else return false;
  } else {
    const merged = { ...old, ...ev };
    // A revision sent without the ack fields must not un-acknowledge a card.
    if (old?.acked_by && !ev.acked_by) Object.assign(merged, { acked_by: old.acked_by, acked_at: old.acked_at, note: old.note });
    events.set(ev.event_id, merged);
  }
  changed();
  return true;
}

export async function reloadAlerts(limit = 100) {
  const data = await get(`/api/events${query({ limit })}`);
  for (const ev of data?.events ?? []) upsert(ev);
  changed();
}

const isAcked = (ev) => Boolean(ev.acked_by || ev.acked_at);

/** Unacknowledged first, then newest first (by start, then by last change). */
export function sortedAlerts() {
  const ms = (v) => (v ? Date.parse(v) || 0 : 0);
  return [...events.values()].sort(
    (a, b) => Number(isAcked(a)) - Number(isAcked(b)) || ms(b.started_at) - ms(a.started_at) || ms(b.ts) - ms(a.ts),
  );
}

export async function refreshSnoozes() {
  try {
    const data = await get('/api/snoozes');
    setSnoozes(data?.snoozes ?? []);
  } catch {
    // keep the last known list; a banner must not vanish on a transient error
  }
}

function setSnoozes(list) {
  snoozes = Array.isArray(list) ? list : [];
  changed();
}

/** Snoozes still running now; an expired one drops out by itself, whether or not the server has said so yet. */
export function activeSnoozes() {
  const now = Date.now();
  return snoozes.filter((s) => Date.parse(s.until) > now);
}

export function isSnoozed(cameraId) {
  return activeSnoozes().some((s) => s.camera_id === cameraId);
}

/** The alarm sounds for unacknowledged alerts of cameras that are not snoozed. */
export function needsAttention() {
  for (const ev of events.values()) if (!isAcked(ev) && !ev.snoozed && !isSnoozed(ev.camera_id)) return true;
  return false;
}

export { isAcked };
