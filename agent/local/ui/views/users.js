// User management (admin): list users, add a guard/admin/auditor.

import { get, post } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

export function renderUsers(main) {
  const list = h('tbody', { id: 'users' });
  const username = h('input', { name: 'username', required: true, autocomplete: 'off' });
  const password = h('input', { name: 'password', type: 'password', required: true, autocomplete: 'new-password' });
  const role = h('select', { name: 'role' }, ...['guard', 'admin', 'auditor'].map((r) => h('option', { value: r }, t(`role.${r}`))));
  const msg = h('p', { role: 'status' });
  const form = h(
    'form',
    { class: 'panel', id: 'user-form' },
    h('h2', {}, t('users.add')),
    h('label', { class: 'field' }, h('span', {}, t('login.username')), username),
    h('label', { class: 'field' }, h('span', {}, t('login.password')), password),
    h('label', { class: 'field' }, h('span', {}, t('users.role')), role),
    h('button', { type: 'submit', class: 'primary' }, t('users.create')),
    msg,
  );
  main.append(
    h('div', { class: 'view-head' }, h('h1', {}, t('users.title'))),
    h('table', { class: 'history' }, h('thead', {}, h('tr', {}, h('th', {}, t('login.username')), h('th', {}, t('users.role')))), list),
    form,
  );
  const load = () =>
    get('/api/users')
      .then((d) => list.replaceChildren(...(d?.users ?? []).map((u) => h('tr', {}, h('td', {}, u.name ?? u.username), h('td', {}, t(`role.${u.role}`), u.disabled ? ' ✕' : '')))))
      .catch((e) => (msg.textContent = t('error.generic', { msg: e.message })));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await post('/api/users', { username: username.value, password: password.value, role: role.value });
      msg.textContent = t('users.created', { u: username.value });
      username.value = '';
      password.value = '';
      load();
    } catch (x) {
      msg.textContent = t('error.generic', { msg: x.message });
    }
  });
  load();
}
