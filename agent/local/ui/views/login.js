// The login form and the first-run setup form (one-time code printed by the agent → the first admin).

import { post, ApiError } from '../api.js';
import { h, clear } from '../dom.js';
import { t, setLang, currentLang, errorText } from '../i18n.js';

function field(label, input) {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}

function langButton(rerender) {
  return h('button', { type: 'button', class: 'lang', id: 'lang-switch', onclick: () => (setLang(currentLang() === 'vi' ? 'en' : 'vi'), rerender()) }, t('lang.switch'));
}

export function renderLogin(main, done) {
  clear(main);
  const user = h('input', { name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const msg = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'panel auth', id: 'login-form' },
    h('h1', {}, t('login.title')),
    field(t('login.username'), user),
    field(t('login.password'), pass),
    msg,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary big' }, t('login.submit')), langButton(() => renderLogin(main, done))),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    try {
      done(await post('/api/session', { username: user.value, password: pass.value }));
    } catch (err) {
      msg.textContent = err instanceof ApiError && err.status === 429 ? t('login.locked') : err instanceof ApiError && err.status === 401 ? t('login.failed') : errorText(err);
    }
  });
  main.append(form);
  user.focus();
}

export function renderSetup(main, done) {
  clear(main);
  const code = h('input', { name: 'code', autocomplete: 'one-time-code', required: true });
  const user = h('input', { name: 'username', autocomplete: 'username', required: true });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', required: true });
  const msg = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'panel auth', id: 'setup-form' },
    h('h1', {}, t('setup.title')),
    h('p', {}, t('setup.hint')),
    field(t('setup.code'), code),
    field(t('login.username'), user),
    field(t('login.password'), pass),
    msg,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary big' }, t('setup.submit')), langButton(() => renderSetup(main, done))),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    try {
      done(await post('/api/setup', { code: code.value.trim(), username: user.value, password: pass.value }));
    } catch (err) {
      msg.textContent = err instanceof ApiError && err.status === 403 ? t('setup.badCode') : t('setup.failed', { msg: errorText(err) });
    }
  });
  main.append(form);
  code.focus();
}
