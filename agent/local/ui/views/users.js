// User management (admin): list users, add a guard/admin/auditor, change a role, disable/enable, set a new password.
// Any change ends that user's sessions (server side); the last enabled admin cannot be disabled or demoted (409).

import { api, get, post } from '../api.js';
import { h } from '../dom.js';
import { fmtTime } from '../format.js';
import { t, errorText } from '../i18n.js';

export function renderUsers(main, session) {
  // The roles are the server's one list (GET /api/session), not a copy kept here.
  const roles = session.roles;
  const list = h('tbody', { id: 'users' });
  const username = h('input', { name: 'username', required: true, autocomplete: 'off' });
  const password = h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password', minlength: '10' });
  const role = h('select', { name: 'role' }, ...roles.map((r) => h('option', { value: r }, t(`role.${r}`))));
  const msg = h('p', { role: 'status', id: 'users-msg' });
  const form = h(
    'form',
    { class: 'panel', id: 'user-form' },
    h('h2', {}, t('users.add')),
    h('label', { class: 'field' }, h('span', {}, t('login.username')), username),
    h('label', { class: 'field' }, h('span', {}, t('login.password')), password),
    h('label', { class: 'field' }, h('span', {}, t('users.role')), role),
    h('button', { type: 'submit', class: 'primary' }, t('users.create')),
  );
  main.append(
    h('div', { class: 'view-head' }, h('h1', {}, t('users.title'))),
    msg,
    h('div', { class: 'table-wrap' }, h('table', { class: 'history' }, h('thead', {}, h('tr', {}, ...['login.username', 'users.role', 'users.actions'].map((k) => h('th', {}, t(k))))), list)),
    form,
  );

  const change = async (name, body) => {
    try {
      await api('PATCH', `/api/users/${encodeURIComponent(name)}`, body);
      msg.textContent = t('users.changed', { u: name });
    } catch (e) {
      msg.textContent = errorText(e);
    }
    load();
  };

  const row = (u) => {
    const roleSel = h('select', { name: 'role', onchange: () => change(u.name, { role: roleSel.value }) }, ...roles.map((r) => h('option', { value: r, selected: r === u.role }, t(`role.${r}`))));
    const pw = h('input', { type: 'password', autocomplete: 'new-password', minlength: '10', placeholder: t('users.newPassword', { u: u.name }) });
    const pwForm = h('form', { class: 'inline' }, pw, h('button', { type: 'submit' }, t('users.setPassword')));
    pwForm.addEventListener('submit', (e) => {
      e.preventDefault();
      if (pw.value) void change(u.name, { password: pw.value });
    });
    return h(
      'tr',
      { dataset: { user: u.name }, class: u.disabled ? 'disabled' : '' },
      h('td', {}, u.name, u.disabled ? h('span', { class: 'badge' }, ` ${t('users.disabled')}`) : null, h('small', { class: 'since' }, ` ${t('users.since', { at: fmtTime(u.created_at) })}`)),
      h('td', {}, roleSel),
      h(
        'td',
        { class: 'actions' },
        h('button', { type: 'button', class: 'toggle', onclick: () => change(u.name, { disabled: !u.disabled }) }, u.disabled ? t('users.enable') : t('users.disable')),
        pwForm,
      ),
    );
  };

  const load = () =>
    get('/api/users')
      .then((d) => list.replaceChildren(...(d?.users ?? []).map(row)))
      .catch((e) => (msg.textContent = errorText(e)));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await post('/api/users', { username: username.value, password: password.value, role: role.value });
      msg.textContent = t('users.created', { u: username.value });
      username.value = '';
      password.value = '';
      load();
    } catch (x) {
      msg.textContent = errorText(x);
    }
  });
  load();
}
