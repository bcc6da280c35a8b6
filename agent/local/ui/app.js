// Entry point: decides between setup, login and the app, draws the shell (nav with the open count, banners), routes
// by hash and keeps the live feed running on every page. Views live in views/*.js and render into <main>.

import { get, del, setCsrf, onUnauthorized, ApiError } from './api.js';
import { h, clear } from './dom.js';
import { setTimeZone } from './format.js';
import { t, setLang, currentLang, errorText } from './i18n.js';
import { startStream } from './stream.js';
import { reloadOpen, upsertItem, onReviewChange, openCount, alarmNeeds, refreshSnoozes, refreshMutes, setMute, activeMutes, serverNow, loadCameraNames } from './review-store.js';
import { setAlarmNeeds, onAlarmChange, chime, setMutedUntil } from './alarm.js';
import { drawBanners, setConnectionDown } from './banners.js';
import { renderLogin, renderSetup } from './views/login.js';
import { renderAlerts } from './views/alerts.js';
import { renderCameras, renderCamera } from './views/cameras.js';
import { renderHistory } from './views/history.js';
import { renderHealth } from './views/health.js';
import { renderUsers } from './views/users.js';
import { renderAudit } from './views/audit.js';

/** Set while this browser holds a session cookie (HttpOnly, so the page cannot see it): no pointless 401 on a fresh one. */
const HAS_SESSION = 'qmon.hasSession';
const main = document.getElementById('main');
const nav = document.getElementById('nav');
export const session = { user: '', role: '', facility: '', roles: [], views: [], alarm: {} };
let viewCleanup = null;

const routes = [
  { re: /^#\/alerts(?:\/(done))?$/, nav: 'alerts', render: (m) => renderAlerts(main, session, m[1] === 'done' ? 'done' : 'open') },
  { re: /^#\/cameras$/, nav: 'cameras', render: () => renderCameras(main) },
  { re: /^#\/cameras\/([^/]+)$/, nav: 'cameras', render: (m) => renderCamera(main, decodeURIComponent(m[1])) },
  { re: /^#\/history$/, nav: 'history', render: () => renderHistory(main, session) },
  { re: /^#\/health$/, nav: 'health', render: () => renderHealth(main) },
  { re: /^#\/users$/, nav: 'users', render: () => renderUsers(main, session) },
  { re: /^#\/audit$/, nav: 'audit', render: () => renderAudit(main) },
];

// ?tv=1 (the guard-room TV): large type, one status line, the open items fill the screen; remembered on that device.
const params = new URLSearchParams(location.search);
if (params.has('tv')) localStorage.setItem('qmon.tv', params.get('tv') === '0' ? '' : '1');
document.documentElement.classList.toggle('tv', localStorage.getItem('qmon.tv') === '1');

const mayOpen = (view) => session.views.includes(view);
const watches = () => mayOpen('alerts');

function route() {
  if (!session.user) return;
  const home = watches() ? '#/alerts' : `#/${session.views[session.views.length - 1] ?? 'health'}`;
  if (!location.hash || location.hash === '#/' || location.hash === '#') location.hash = home;
  const r = routes.find((x) => x.re.test(location.hash)) ?? routes[0];
  viewCleanup?.();
  viewCleanup = null;
  clear(main);
  drawNav(r.nav);
  if (!mayOpen(r.nav)) {
    main.append(h('p', { class: 'error' }, t('error.forbidden')));
    return;
  }
  const cleanup = r.render(location.hash.match(r.re));
  if (typeof cleanup === 'function') viewCleanup = cleanup;
}

function drawNav(active) {
  clear(nav);
  const links = routes
    .map((r) => r.nav)
    .filter((k, i, all) => all.indexOf(k) === i && mayOpen(k))
    .map((k) =>
      h(
        'a',
        { href: `#/${k}`, class: k === active ? 'active' : '', dataset: { nav: k } },
        h('span', { class: 'nav-label' }, t(`nav.${k}`)),
        k === 'alerts' ? h('span', { class: 'open-count', id: 'open-count', 'aria-label': t('nav.openCount') }) : null,
      ),
    );
  nav.append(
    h('span', { class: 'brand' }, 'qmon', session.facility && h('small', {}, ` ${session.facility}`)),
    h('span', { class: 'links' }, links),
    h('span', { class: 'who' }, `${session.user} (${t(`role.${session.role}`)})`),
    h('button', { type: 'button', class: 'lang', id: 'lang-switch', onclick: switchLang }, t('lang.switch')),
    h('button', { type: 'button', class: 'logout', onclick: logout }, t('nav.logout')),
  );
  drawCount();
  drawBanners(session);
}

/** The open count on the nav, on every page (and the TV's status line). */
function drawCount() {
  const el = document.getElementById('open-count');
  if (!el) return;
  const n = openCount();
  el.textContent = String(n);
  el.dataset.count = String(n);
  el.classList.toggle('hot', n > 0);
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

function startLive() {
  return startStream({
    names: ['snooze', 'camera', 'item', 'review', 'mute'],
    onEvent: (data, kind) => {
      if (kind === 'snooze') return void refreshSnoozes();
      if (kind === 'camera') return void window.dispatchEvent(new CustomEvent('qmon:camera', { detail: data }));
      if (kind === 'review') return void reloadOpen().catch(() => {});
      if (kind === 'mute') return void setMute(data?.user, data?.mute ?? null);
      if (kind === 'item' && data?.tab === 'open' && upsertItem(data.item) && data.item.severity === 'warning' && !data.item.snoozed) chime();
    },
    onUp: (wasDown) => {
      setConnectionDown(false, session);
      document.body.dataset.stream = 'up';
      if (wasDown) void Promise.all([reloadOpen(), refreshSnoozes(), refreshMutes()]).catch(() => {});
    },
    // EventSource hides the status of a refused stream: ask the session route, whose 401 (the agent restarted, or
    // the session expired) brings the login view instead of an endless "reconnecting".
    onRetry: () => void get('/api/session').catch(() => {}),
    onDown: () => {
      setConnectionDown(true, session);
      document.body.dataset.stream = 'down';
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
    main.append(h('p', { class: 'error' }, errorText(e)));
  }
}

/** A session exists (from GET /api/session, or the answer to a login or the first setup): run the app. */
async function started(s) {
  if (!s?.user) return renderLogin(main, started);
  localStorage.setItem(HAS_SESSION, '1');
  clear(main);
  Object.assign(session, {
    user: String(s.user),
    role: s.role ?? 'guard',
    facility: s.facility?.name ?? s.facility?.id ?? '',
    roles: Array.isArray(s.roles) ? s.roles : [],
    views: Array.isArray(s.views) ? s.views : [],
    alarm: s.alarm ?? {},
  });
  setCsrf(s.csrf);
  setTimeZone(s.facility?.timezone);
  if (s.language && !localStorage.getItem('qmon.lang')) setLang(s.language, false);
  document.body.dataset.user = session.user;
  window.addEventListener('hashchange', route);
  route();
  if (!watches()) return void (document.body.dataset.ready = '1'); // auditors read the audit log only
  onAlarmChange(() => drawBanners(session));
  onReviewChange(() => {
    drawCount();
    // This user's mute, from the server's list (its times are the agent's clock, the alarm's this device's).
    const mine = activeMutes().find((m) => m.user === session.user);
    setMutedUntil(mine ? Date.parse(mine.until) - (serverNow() - Date.now()) : 0);
    setAlarmNeeds(alarmNeeds());
    drawBanners(session);
  });
  if (s.mute) setMute(session.user, s.mute);
  startLive();
  await Promise.all([reloadOpen().catch(() => {}), refreshSnoozes(), refreshMutes(), loadCameraNames()]);
  setInterval(refreshSnoozes, 30_000);
  // Escalation times and snoozes ending by themselves change what the alarm must do without any message.
  setInterval(() => setAlarmNeeds(alarmNeeds()), 5_000);
  drawBanners(session);
  document.body.dataset.ready = '1';
}

boot();
