// Entry point: decides between setup, login and the app, draws the shell (nav, banners), routes by hash and keeps
// the live feed running. Views live in views/*.js and render into <main>.

import { get, del, setCsrf, onUnauthorized, ApiError } from './api.js';
import { h, clear, setTimeZone, fmtShortTime } from './dom.js';
import { t, setLang, currentLang } from './i18n.js';
import { startStream } from './stream.js';
import { upsert, reloadAlerts, onAlertsChange, needsAttention, activeSnoozes, refreshSnoozes } from './alerts-store.js';
import { setAlarmWanted, onAlarmChange, enableSound, muteUntil, unmute, mutedUntil, soundReady } from './alarm.js';
import { renderLogin, renderSetup } from './views/login.js';
import { renderAlerts } from './views/alerts.js';
import { renderCameras, renderCamera } from './views/cameras.js';
import { renderHistory } from './views/history.js';
import { renderHealth } from './views/health.js';
import { renderUsers } from './views/users.js';
import { renderAudit } from './views/audit.js';

const SHIFT_MS = 8 * 3600_000;
/** Set while this browser holds a session cookie (HttpOnly, so the page cannot see it): no pointless 401 on a fresh one. */
const HAS_SESSION = 'qmon.hasSession';
const main = document.getElementById('main');
const nav = document.getElementById('nav');
const banners = document.getElementById('banners');
export const session = { user: '', role: '', facility: '' };
let stopStream = null;
let viewCleanup = null;

const OPS = ['guard', 'admin'];
const routes = [
  { re: /^#\/alerts$/, nav: 'alerts', roles: OPS, render: () => renderAlerts(main) },
  { re: /^#\/cameras$/, nav: 'cameras', roles: OPS, render: () => renderCameras(main) },
  { re: /^#\/cameras\/([^/]+)$/, nav: 'cameras', roles: OPS, render: (m) => renderCamera(main, decodeURIComponent(m[1])) },
  { re: /^#\/history$/, nav: 'history', roles: OPS, render: () => renderHistory(main, session) },
  { re: /^#\/health$/, nav: 'health', render: () => renderHealth(main) },
  { re: /^#\/users$/, nav: 'users', roles: ['admin'], render: () => renderUsers(main) },
  { re: /^#\/audit$/, nav: 'audit', roles: ['auditor'], render: () => renderAudit(main) },
];

// ?tv=1 (the guard-room TV): large type, no navigation needed; remembered on that device.
const params = new URLSearchParams(location.search);
if (params.has('tv')) localStorage.setItem('qmon.tv', params.get('tv') === '0' ? '' : '1');
document.documentElement.classList.toggle('tv', localStorage.getItem('qmon.tv') === '1');

function route() {
  if (!session.user) return;
  if (!location.hash || location.hash === '#/' || location.hash === '#') location.hash = session.role === 'auditor' ? '#/audit' : '#/alerts';
  const r = routes.find((x) => x.re.test(location.hash)) ?? routes[0];
  viewCleanup?.();
  viewCleanup = null;
  clear(main);
  drawNav(r.nav);
  if (r.roles && !r.roles.includes(session.role)) {
    main.append(h('p', { class: 'error' }, t('error.forbidden')));
    return;
  }
  const cleanup = r.render(location.hash.match(r.re));
  if (typeof cleanup === 'function') viewCleanup = cleanup;
}

function drawNav(active) {
  clear(nav);
  const items = routes.filter((r) => !r.roles || r.roles.includes(session.role)).map((r) => r.nav);
  const links = [...new Set(items)].map((k) => h('a', { href: `#/${k}`, class: k === active ? 'active' : '', dataset: { nav: k } }, t(`nav.${k}`)));
  nav.append(
    h('span', { class: 'brand' }, 'qmon', session.facility && h('small', {}, ` ${session.facility}`)),
    h('span', { class: 'links' }, links),
    h('span', { class: 'who' }, `${session.user} (${t(`role.${session.role}`)})`),
    h('button', { type: 'button', class: 'lang', id: 'lang-switch', onclick: switchLang }, t('lang.switch')),
    h('button', { type: 'button', class: 'logout', onclick: logout }, t('nav.logout')),
  );
  drawBanners();
}

function switchLang() {
  setLang(currentLang() === 'vi' ? 'en' : 'vi');
  document.title = t('app.title');
  route();
}

async function logout() {
  await del('/api/session').catch(() => {});
  localStorage.removeItem(HAS_SESSION);
  location.hash = '';
  location.reload();
}

/** Connection, sound and snooze banners; redrawn on every change that can affect them. */
let connectionDown = false;
function drawBanners() {
  clear(banners);
  if (!session.user) return;
  if (connectionDown) banners.append(h('div', { class: 'banner banner-down', id: 'conn-lost', role: 'alert' }, t('conn.lost')));
  const sound = h('div', { class: 'banner banner-sound' });
  if (session.role === 'auditor') return;
  if (!soundReady()) sound.append(h('button', { type: 'button', class: 'big', id: 'enable-sound', onclick: () => enableSound() }, t('sound.enable')));
  const until = mutedUntil();
  if (until) {
    sound.append(h('span', {}, t('sound.mutedUntil', { at: fmtShortTime(until, currentLang()) })), ' ');
    sound.append(h('button', { type: 'button', id: 'unmute', onclick: () => unmute() }, t('sound.unmute')));
  } else {
    sound.append(h('button', { type: 'button', id: 'mute', onclick: () => muteUntil(Date.now() + SHIFT_MS) }, t('sound.mute')));
  }
  banners.append(sound);
  for (const s of activeSnoozes()) {
    banners.append(
      h(
        'div',
        { class: 'banner banner-snooze', dataset: { camera: s.camera_id } },
        h('span', {}, t('snooze.banner', { cam: s.camera_id, until: fmtShortTime(s.until, currentLang()), reason: s.reason ?? '' })),
        ' ',
        h('button', { type: 'button', onclick: () => endSnooze(s.camera_id) }, t('snooze.end')),
      ),
    );
  }
}

async function endSnooze(cameraId) {
  await del(`/api/cameras/${encodeURIComponent(cameraId)}/snooze`).catch(() => {});
  await refreshSnoozes();
}

function startLive() {
  stopStream?.();
  stopStream = startStream({
    names: ['snooze', 'camera'],
    onEvent: (data, kind) => {
      if (kind === 'snooze') return void refreshSnoozes();
      if (kind === 'camera') return void window.dispatchEvent(new CustomEvent('qmon:camera', { detail: data }));
      upsert(data);
    },
    onUp: (wasDown) => {
      connectionDown = false;
      document.body.dataset.stream = 'up';
      drawBanners();
      if (wasDown) reloadAlerts().catch(() => {});
    },
    // EventSource hides the status of a refused stream: ask the session route, whose 401 (the agent restarted, or
    // the session expired) brings the login view instead of an endless "reconnecting".
    onRetry: () => void get('/api/session').catch(() => {}),
    onDown: () => {
      connectionDown = true;
      document.body.dataset.stream = 'down';
      drawBanners();
    },
  });
}

async function boot() {
  document.documentElement.lang = currentLang();
  document.title = t('app.title');
  onUnauthorized(() => {
    localStorage.removeItem(HAS_SESSION);
    if (session.user) location.reload();
    session.user = '';
  });
  try {
    const setup = await get('/api/setup');
    if (setup?.needed) return renderSetup(main, started);
  } catch {
    // no answer from the setup route: fall through to the session check
  }
  if (!localStorage.getItem(HAS_SESSION)) return renderLogin(main, started);
  try {
    await started(await get('/api/session'));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return renderLogin(main, started);
    main.append(h('p', { class: 'error' }, t('error.generic', { msg: e.message })));
  }
}

/** A session exists (from GET /api/session, or the answer to a login or the first setup): run the app. */
async function started(s) {
  if (!s?.user) return renderLogin(main, started);
  localStorage.setItem(HAS_SESSION, '1');
  clear(main);
  session.user = typeof s.user === 'string' ? s.user : (s.user.username ?? '');
  session.role = s.role ?? 'guard';
  session.facility = s.facility?.name ?? s.facility?.id ?? '';
  setCsrf(s.csrf);
  setTimeZone(s.facility?.timezone);
  if (s.language && !localStorage.getItem('qmon.lang')) setLang(s.language, false);
  document.body.dataset.user = session.user;

  onAlarmChange(() => drawBanners());
  onAlertsChange(() => setAlarmWanted(needsAttention()));
  window.addEventListener('hashchange', route);
  route();
  if (session.role === 'auditor') return void (document.body.dataset.ready = '1'); // auditors read the audit log only
  startLive();
  await Promise.all([reloadAlerts().catch(() => {}), refreshSnoozes()]);
  setInterval(refreshSnoozes, 30_000);
  setInterval(() => setAlarmWanted(needsAttention()), 15_000); // a snooze ending by itself brings the alarm back
  drawBanners();
  document.body.dataset.ready = '1';
}

boot();
