// Cameras: a grid of state + preview (refreshed while shown), and one camera's view with its configured lines
// (arrow towards "in") and zones drawn on a canvas over the current frame, plus the snooze form. Cameras, lines and
// zones are shown by name; their ids are in the tooltips.

import { get, post } from '../api.js';
import { h } from '../dom.js';
import { fmtTime } from '../format.js';
import { t, codeLabel, errorText } from '../i18n.js';
import { isSnoozed, refreshSnoozes } from '../review-store.js';
import { drawOverlay } from './overlay.js';

const PREVIEW_REFRESH_MS = 10_000;

const previewUrl = (id) => `/api/cameras/${encodeURIComponent(id)}/preview.jpg?t=${Date.now()}`;
const camList = (data) => data?.cameras ?? [];

function preview(c) {
  const img = h('img', { class: 'preview', alt: c.name ?? c.id, src: previewUrl(c.id) });
  const none = h('div', { class: 'preview none', hidden: true }, t('cam.noPreview'));
  img.addEventListener('error', () => ((img.hidden = true), (none.hidden = false)));
  img.addEventListener('load', () => ((img.hidden = false), (none.hidden = true)));
  return { img, none };
}

function stateLine(c) {
  const state = c.state ?? 'offline';
  return h(
    'p',
    { class: 'cam-state' },
    h('span', { class: `state state-${state}` }, codeLabel('cam.state', state)),
    c.reason ? h('span', { class: 'reason', title: c.reason }, ` — ${codeLabel('reason', c.reason)}`) : '',
    c.since ? ` · ${t('cam.since', { at: fmtTime(c.since) })}` : '',
    c.quality ? ` · ${t('cam.quality', { q: codeLabel('q', c.quality) })}` : '',
  );
}

export function renderCameras(main) {
  const grid = h('div', { class: 'cam-grid', id: 'cam-grid' }, h('p', {}, t('loading')));
  main.append(h('div', { class: 'view-head' }, h('h1', {}, t('nav.cameras'))), grid);
  const imgs = [];
  const lines = new Map(); // camera id → its state line, replaced when the stream says the state changed
  const onCamera = (e) => {
    const c = e.detail;
    const old = lines.get(c?.id);
    if (!old) return;
    const fresh = stateLine(c);
    old.replaceWith(fresh);
    lines.set(c.id, fresh);
    fresh.parentElement.className = tileClass(c);
  };
  window.addEventListener('qmon:camera', onCamera);
  get('/api/cameras')
    .then((data) => {
      grid.replaceChildren();
      for (const c of camList(data)) {
        const p = preview(c);
        imgs.push([c.id, p.img]);
        const line = stateLine(c);
        lines.set(c.id, line);
        grid.append(h('a', { class: tileClass(c), href: `#/cameras/${encodeURIComponent(c.id)}`, title: c.id, dataset: { camera: c.id } }, p.img, p.none, h('h2', {}, c.name ?? c.id), line));
      }
    })
    .catch((e) => grid.replaceChildren(h('p', { class: 'error' }, errorText(e))));
  const timer = setInterval(() => imgs.forEach(([id, img]) => (img.src = previewUrl(id))), PREVIEW_REFRESH_MS);
  return () => (clearInterval(timer), window.removeEventListener('qmon:camera', onCamera));
}

const tileClass = (c) => `cam-tile state-${c.state ?? 'offline'}${c.snooze || isSnoozed(c.id) ? ' snoozed' : ''}`;

export function renderCamera(main, id) {
  const canvas = h('canvas', { class: 'overlay', id: 'overlay', role: 'img' });
  const img = h('img', { class: 'frame', alt: '' });
  const stage = h('div', { class: 'overlay-stage' }, img, canvas);
  const info = h('div', { class: 'cam-info' });
  const title = h('h1', { title: id, id: 'camera-title' }, id);
  main.append(h('div', { class: 'view-head' }, h('a', { href: '#/cameras', class: 'back' }, t('cam.back')), title), info, h('h2', {}, t('cam.overlay')), stage, snoozeForm(id));
  let geometry = null;
  const labels = { in: t('overlay.in'), out: t('overlay.out') };
  // Without a frame yet (camera offline) the lines are still drawn, on black at the detect size.
  const redraw = () => {
    if (!geometry) return;
    stage.classList.toggle('no-frame', !img.naturalWidth);
    drawOverlay(canvas, img, geometry, stage.clientWidth, labels);
  };
  img.addEventListener('load', redraw);
  img.addEventListener('error', () => {
    img.removeAttribute('src');
    redraw();
  });
  window.addEventListener('resize', redraw);
  get(`/api/cameras/${encodeURIComponent(id)}/overlay`)
    .then((g) => ((geometry = g), redraw()))
    .catch((e) => info.append(h('p', { class: 'error' }, errorText(e))));
  get('/api/cameras')
    .then((data) => {
      const c = camList(data).find((x) => x.id === id);
      if (!c) return;
      title.textContent = c.name ?? c.id;
      img.alt = c.name ?? c.id;
      info.prepend(stateLine(c));
    })
    .catch(() => {});
  img.src = previewUrl(id);
  const timer = setInterval(() => (img.src = previewUrl(id)), PREVIEW_REFRESH_MS);
  return () => (clearInterval(timer), window.removeEventListener('resize', redraw));
}

function snoozeForm(id) {
  const minutes = h('select', { name: 'minutes' }, ...[15, 30, 60, 120, 240, 480].map((m) => h('option', { value: String(m) }, t(`dur.${m}`))));
  const reason = h('input', { name: 'reason', required: true, maxlength: '200', placeholder: t('snooze.reason') });
  const msg = h('span', { class: 'error' });
  const form = h(
    'form',
    { class: 'panel snooze-form', id: 'snooze-form' },
    h('h2', {}, t('snooze.title')),
    h('label', { class: 'field' }, h('span', {}, t('snooze.duration')), minutes),
    h('label', { class: 'field' }, h('span', {}, t('snooze.reasonLabel')), reason),
    h('button', { type: 'submit', class: 'primary' }, t('snooze.submit')),
    msg,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.textContent = '';
    try {
      await post(`/api/cameras/${encodeURIComponent(id)}/snooze`, { minutes: Number(minutes.value), reason: reason.value.trim() });
      reason.value = '';
      await refreshSnoozes();
    } catch (x) {
      msg.textContent = errorText(x);
    }
  });
  return form;
}
