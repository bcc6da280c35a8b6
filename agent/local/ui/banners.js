// The banners under the nav, on every page: connection lost, "this page cannot play sound" (red, until it can), a
// critical item past its escalation time, who muted the alarm (everyone's mutes, shown to everyone) with this user's
// mute control, and the cameras snoozed. Redrawn on every change that can affect them.

import { post, del } from './api.js';
import { h, clear } from './dom.js';
import { fmtShortTime } from './format.js';
import { t, currentLang, errorText } from './i18n.js';
import { soundReady, enableSound } from './alarm.js';
import { activeSnoozes, activeMutes, alarmNeeds, refreshSnoozes, refreshMutes, cameraName } from './review-store.js';

const banners = document.getElementById('banners');
let connectionDown = false;
/** What the banners showed last: a flood of alerts must not rebuild them (and close the mute list a guard has open). */
let drawn = '';

export function setConnectionDown(down, session) {
  connectionDown = down;
  drawBanners(session);
}

export function drawBanners(session) {
  const now = JSON.stringify([session.user, currentLang(), connectionDown, soundReady(), alarmNeeds().escalated, activeMutes(), activeSnoozes().map((s) => [s.camera_id, s.until, cameraName(s.camera_id)])]);
  if (now === drawn) return;
  drawn = now;
  clear(banners);
  if (!session.user) return;
  if (connectionDown) banners.append(h('div', { class: 'banner banner-red', id: 'conn-lost', role: 'alert' }, t('conn.lost')));
  if (!session.views.includes('alerts')) return; // auditors hear no alarm
  if (!soundReady()) {
    banners.append(
      h(
        'div',
        { class: 'banner banner-red', id: 'no-sound', role: 'alert' },
        h('span', {}, t('sound.blocked')),
        h('button', { type: 'button', class: 'big', id: 'enable-sound', onclick: () => void enableSound() }, t('sound.enable')),
      ),
    );
  }
  if (alarmNeeds().escalated) {
    banners.append(h('div', { class: 'banner banner-red flash', id: 'escalated', role: 'alert' }, t('alarm.escalated', { n: session.alarm.escalate_after_min ?? '?' })));
  }
  banners.append(muteBanner(session));
  for (const s of activeSnoozes()) {
    banners.append(
      h(
        'div',
        { class: 'banner banner-snooze', dataset: { camera: s.camera_id } },
        h('span', { title: s.camera_id }, t('snooze.banner', { cam: cameraName(s.camera_id), until: fmtShortTime(s.until), reason: s.reason ?? '' })),
        h('button', { type: 'button', onclick: () => void del(`/api/cameras/${encodeURIComponent(s.camera_id)}/snooze`).catch(() => {}).then(refreshSnoozes) }, t('snooze.end')),
      ),
    );
  }
}

/** This user's mute (set for 15/30/60 … minutes up to the facility's limit, or ended) and everyone else's. */
function muteBanner(session) {
  const bar = h('div', { class: 'banner banner-sound' });
  const mutes = activeMutes();
  const mine = mutes.find((m) => m.user === session.user);
  for (const m of mutes) {
    if (m === mine) continue;
    bar.append(h('span', { class: 'mute-other', dataset: { user: m.user } }, t('sound.mutedBy', { user: m.user, at: fmtShortTime(m.until) })));
  }
  const msg = h('span', { class: 'error' });
  if (mine) {
    bar.append(
      h('span', { class: 'mute-mine' }, t('sound.mutedUntil', { at: fmtShortTime(mine.until) })),
      h('button', { type: 'button', id: 'unmute', onclick: () => void del('/api/mute').then(refreshMutes, (e) => (msg.textContent = errorText(e))) }, t('sound.unmute')),
    );
  } else {
    const max = session.alarm.mute_max_min ?? 60;
    const choices = [...new Set([15, 30, 60, max].filter((m) => m <= max))].sort((a, b) => a - b);
    const minutes = h('select', { id: 'mute-minutes', 'aria-label': t('sound.muteFor') }, ...choices.map((m) => h('option', { value: String(m) }, t('unit.min', { n: m }))));
    const mute = () => void post('/api/mute', { minutes: Number(minutes.value) }).then(refreshMutes, (e) => (msg.textContent = errorText(e)));
    bar.append(h('button', { type: 'button', id: 'mute', onclick: mute }, t('sound.mute')), minutes);
  }
  bar.append(msg);
  return bar;
}
