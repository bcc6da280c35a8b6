// The hub's web view: sign in, then Overview (#/overview), Live alerts (#/alerts), Reports (#/reports), Camera survey
// (#/survey) and a facility's page (#/facility/FID). What a user may see is decided by the hub on every request; the
// page only shows it.

import { api, setCsrf } from './api.js';
import { clear, h } from './dom.js';
import { setLang, t, currentLang } from './i18n.js';
import { renderOverview } from './overview.js';
import { renderAlerts, stopAlerts } from './alerts.js';
import { renderFacility } from './facility.js';
import { renderReports } from './reports.js';
import { renderSurvey } from './survey.js';

const nav = document.getElementById('nav');
const main = document.getElementById('main');
const banner = document.getElementById('banner');
let me = null;

export function showBanner(text) {
  banner.textContent = text ?? '';
}

/** A failed call in words; a 401 sends the user back to the login. */
export function failed(e) {
  if (e?.status === 401) {
    me = null;
    showLogin(t('error.session'));
    return;
  }
  clear(main);
  main.append(h('p', { class: 'error', role: 'alert' }, e?.status === 403 ? t('error.forbidden') : t('error.generic', { msg: e?.message ?? String(e) })));
}

function showLogin(message = '') {
  stopAlerts();
  clear(nav);
  clear(main);
  document.title = t('app.title');
  const user = h('input', { name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const err = h('p', { class: 'error', role: 'alert' }, message);
  const form = h(
    'form',
    { class: 'login', onsubmit: (ev) => void submit(ev) },
    h('h1', {}, t('login.title')),
    h('label', {}, t('login.username'), user),
    h('label', {}, t('login.password'), pass),
    h('button', { class: 'primary', type: 'submit' }, t('login.submit')),
    err,
  );
  async function submit(ev) {
    ev.preventDefault();
    try {
      me = await api('/session', { method: 'POST', body: { username: user.value, password: pass.value } });
      setCsrf(me.csrf);
      setLang(me.lang);
      route();
    } catch (e) {
      err.textContent = e.status === 429 ? t('login.locked') : e.status === 401 ? t('login.failed') : t('error.generic', { msg: e.message });
    }
  }
  main.append(form);
  user.focus();
}

function renderNav(view) {
  clear(nav);
  const link = (href, key, name) => h('a', { href, class: view === name ? 'active' : '' }, t(key));
  nav.append(
    h('span', { class: 'brand' }, 'qmon'),
    h('span', { class: 'links' }, link('#/overview', 'nav.overview', 'overview'), link('#/alerts', 'nav.alerts', 'alerts'), link('#/reports', 'nav.reports', 'reports'), link('#/survey', 'nav.survey', 'survey')),
    h('span', { class: 'who' }, `${me.user} · ${t(`tier.${me.tier}`)}${me.scope ? ` ${me.scope}` : ''}`),
    h('button', { type: 'button', onclick: () => void switchLang() }, t('nav.lang')),
    h('button', { type: 'button', onclick: () => void logout() }, t('nav.logout')),
  );
}

async function switchLang() {
  const next = currentLang() === 'vi' ? 'en' : 'vi';
  await api('/lang', { method: 'POST', body: { lang: next } }).catch(failed);
  setLang(next);
  me.lang = next;
  route();
}

async function logout() {
  await api('/session', { method: 'DELETE' }).catch(() => null);
  me = null;
  showLogin();
}

function route() {
  if (!me) return showLogin();
  document.title = t('app.title');
  const hash = location.hash || '#/overview';
  const facility = /^#\/facility\/([^/]+)$/.exec(hash);
  const view = facility ? 'facility' : hash === '#/alerts' ? 'alerts' : hash === '#/reports' ? 'reports' : hash === '#/survey' ? 'survey' : 'overview';
  if (view !== 'alerts') stopAlerts();
  renderNav(view === 'facility' ? 'overview' : view);
  showBanner('');
  clear(main);
  const ctx = { me, main, failed, showBanner };
  if (facility) void renderFacility(ctx, decodeURIComponent(facility[1]));
  else if (view === 'alerts') void renderAlerts(ctx);
  else if (view === 'reports') void renderReports(ctx);
  else if (view === 'survey') void renderSurvey(ctx);
  else void renderOverview(ctx);
}

window.addEventListener('hashchange', route);

async function start() {
  try {
    me = await api('/session');
    if (!me.user) {
      me = null;
      return showLogin();
    }
    setCsrf(me.csrf);
    setLang(me.lang);
    route();
  } catch {
    showLogin();
  }
}

void start();
