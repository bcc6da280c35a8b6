// What every screen of a logged-in guard knows, on every page: the open review items (alerts grouped by camera and
// rule, from GET /api/review and the stream's `item` messages), the active snoozes and who muted the alarm. The nav's
// count, the banners and the alarm all read from here, so an alert is heard and counted on whatever page is open.

import { get, query } from './api.js';

const open = new Map(); // item_id → item
let openTotal = 0;
let snoozes = [];
let mutes = [];
/** Server time minus this device's time, from the last review answer: escalation follows the agent's clock. */
let clockOffsetMs = 0;
let reloading = null;
/** Items streamed while a reload was in flight: applied over its (older) answer. */
let streamedDuringReload = [];
const listeners = new Set();

export function onReviewChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function changed(why) {
  for (const fn of listeners) fn(why);
}

export const serverNow = () => Date.now() + clockOffsetMs;

/** Reloads the open items (after a reconnect or an acknowledgement anywhere). */
export function reloadOpen() {
  if (reloading) return reloading;
  streamedDuringReload = [];
  reloading = get(`/api/review${query({ tab: 'open', limit: 500 })}`)
    .then((data) => {
      open.clear();
      for (const item of data?.items ?? []) open.set(item.item_id, item);
      for (const item of streamedDuringReload) open.set(item.item_id, item);
      openTotal = Math.max(data?.total ?? 0, open.size);
      if (data?.now) clockOffsetMs = Date.parse(data.now) - Date.now();
      changed('reload');
    })
    .finally(() => (reloading = null));
  return reloading;
}

/** The items acknowledged during this shift, latest first (fetched when the "done" tab is shown). */
export async function loadDone() {
  const data = await get(`/api/review${query({ tab: 'done', limit: 200 })}`);
  return data?.items ?? [];
}

/** An item from the stream: new (returns true) or grown. */
export function upsertItem(item) {
  if (!item || typeof item.item_id !== 'string') return false;
  const isNew = !open.has(item.item_id);
  open.set(item.item_id, item);
  if (isNew) openTotal += 1;
  if (reloading) streamedDuringReload.push(item);
  changed(isNew ? 'new' : 'grown');
  return isNew;
}

const RANK = { critical: 3, warning: 2, info: 1 };

/** Most urgent first: not snoozed, then severity, then the newest alert. */
export function sortedOpen() {
  const snoozedNow = (i) => i.snoozed || isSnoozed(i.camera_id);
  return [...open.values()].sort(
    (a, b) => Number(snoozedNow(a)) - Number(snoozedNow(b)) || (RANK[b.severity] ?? 0) - (RANK[a.severity] ?? 0) || Date.parse(b.last_at) - Date.parse(a.last_at),
  );
}

export function openCount() {
  return openTotal;
}

/** The newest alert the screen shows: "acknowledge all" goes up to it, never past what the guard saw. */
export function newestShown() {
  let max = '';
  for (const i of open.values()) if (i.through > max) max = i.through;
  return max;
}

/** What the alarm must do: sound for open critical items (not snoozed), escalate for those past their time. */
export function alarmNeeds() {
  const now = serverNow();
  let critical = false;
  let escalated = false;
  for (const i of open.values()) {
    if (i.severity !== 'critical' || i.snoozed || isSnoozed(i.camera_id)) continue;
    critical = true;
    if (i.escalate_at && Date.parse(i.escalate_at) <= now) escalated = true;
  }
  return { critical, escalated };
}

export async function refreshSnoozes() {
  try {
    const data = await get('/api/snoozes');
    snoozes = Array.isArray(data?.snoozes) ? data.snoozes : [];
    changed('snooze');
  } catch {
    // keep the last known list; a banner must not vanish on a transient error
  }
}

/** Snoozes still running now; an expired one drops out by itself, whether or not the server has said so yet. */
export function activeSnoozes() {
  const now = serverNow();
  return snoozes.filter((s) => Date.parse(s.until) > now);
}

export function isSnoozed(cameraId) {
  return activeSnoozes().some((s) => s.camera_id === cameraId);
}

export async function refreshMutes() {
  try {
    const data = await get('/api/mutes');
    mutes = Array.isArray(data?.mutes) ? data.mutes : [];
    changed('mute');
  } catch {
    // as for snoozes
  }
}

/** A `mute` message from the stream: set or ended for one user. */
export function setMute(user, mute) {
  mutes = mutes.filter((m) => m.user !== user);
  if (mute) mutes.push(mute);
  changed('mute');
}

/** Mutes running now (everyone's: every screen shows who silenced the alarm). */
export function activeMutes() {
  const now = serverNow();
  return mutes.filter((m) => Date.parse(m.until) > now);
}

const cameraNames = new Map();

/** Camera names for banners and filters (items carry their own). */
export async function loadCameraNames() {
  try {
    const data = await get('/api/cameras');
    for (const c of data?.cameras ?? []) cameraNames.set(c.id, c.name ?? c.id);
    changed('cameras');
  } catch {
    // ids are shown until the next try
  }
}

export const cameraName = (id) => cameraNames.get(id) ?? id;
