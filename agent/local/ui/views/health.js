// Health: uplink (connected, hub online, backlog and its oldest age), disk, models, clock sync, agent version.
// Refreshed every 10 s while shown, so the TV stays current without anyone touching it.

import { get } from '../api.js';
import { h } from '../dom.js';
import { fmtTime, fmtAge, fmtMb, fmtNum } from '../format.js';
import { t, codeLabel, errorText } from '../i18n.js';

/** null/undefined = not known yet (e.g. the hub has said nothing): shown as a dash, neither green nor red. */
const yesNo = (v) => (v === undefined || v === null ? ['—', ''] : v ? [t('yes'), 'ok'] : [t('no'), 'bad']);

export function renderHealth(main) {
  const body = h('div', { class: 'health', id: 'health' }, h('p', {}, t('loading')));
  main.append(h('div', { class: 'view-head' }, h('h1', {}, t('health.title'))), body);
  const load = () =>
    get('/api/health')
      .then((d) => body.replaceChildren(...sections(d ?? {})))
      .catch((e) => body.replaceChildren(h('p', { class: 'error' }, errorText(e))));
  load();
  const timer = setInterval(load, 10_000);
  return () => clearInterval(timer);
}

function kv(rows) {
  return h('dl', {}, ...rows.flatMap(([k, v, cls]) => [h('dt', {}, k), h('dd', { class: cls ?? '' }, v)]));
}

function panel(title, rows) {
  return h('section', { class: 'panel' }, h('h2', {}, title), kv(rows));
}

/**
 * Each camera's detection: the rate it runs at against its configured one (a camera the overload policy slowed says
 * so, with its priority), frames lost, and its violation pictures. Cameras at their full rate without losses are
 * summed up in one line, so the panel names only what needs a look.
 */
function detection(cams) {
  const behind = cams.filter((c) => c.slowed_to_fps !== null || c.detect_fps < 0.9 * c.configured_fps || c.pictures.failed > 0);
  const rows = behind.map((c) => {
    const lost = c.dropped.handoff + c.dropped.scheduler + c.dropped.budget;
    const parts = [t('health.detectRate', { fps: fmtNum(c.detect_fps), configured: fmtNum(c.configured_fps) })];
    if (c.slowed_to_fps !== null) parts.push(t('health.slowed', { priority: codeLabel('priority', c.priority) }));
    if (lost > 0) parts.push(t('health.lost', { n: fmtNum(lost, 0) }));
    parts.push(t('health.pictures', { made: fmtNum(c.pictures.made, 0), failed: fmtNum(c.pictures.failed, 0), skipped: fmtNum(c.pictures.skipped, 0) }));
    return [h('span', { title: c.camera_id }, c.name ?? c.camera_id), parts.join(' · '), c.slowed_to_fps !== null ? 'warn' : ''];
  });
  if (rows.length === 0) rows.push([t('health.detectionAllFull'), '', 'ok']);
  return panel(t('health.detection'), rows);
}

function sections(d) {
  const up = d.uplink ?? {};
  const disk = d.disk ?? {};
  const clock = d.clock ?? {};
  const cams = d.cameras ?? {};
  const local = d.local ?? {};
  const lowDisk = typeof disk.free_mb === 'number' && typeof disk.min_free_mb === 'number' && disk.free_mb < disk.min_free_mb;
  return [
    panel(t('health.uplink'), [
      [t('health.connected'), ...yesNo(up.connected)],
      [t('health.hubOnline'), ...yesNo(up.hub_online)],
      [t('health.backlog'), fmtNum(up.backlog, 0), up.backlog > 0 ? 'warn' : ''],
      [t('health.oldest'), up.oldest_pending_at ? `${fmtAge(up.oldest_age_s)} (${fmtTime(up.oldest_pending_at)})` : '—'],
    ]),
    panel(t('health.disk'), [
      [t('health.free'), fmtMb(disk.free_mb), lowDisk ? 'bad' : 'ok'],
      [t('health.minFree'), fmtMb(disk.min_free_mb)],
      [t('health.store'), fmtMb(disk.store_mb)],
    ]),
    panel(
      t('health.models'),
      (d.models ?? []).map((m) => [m.name ?? '?', m.version ?? '']),
    ),
    panel(t('health.clock'), [
      [t('health.clockSynced'), ...yesNo(clock.synced)],
      [t('health.clockSource'), clock.source ? codeLabel('clock', clock.source) : '—'],
      [t('health.version'), String(d.version ?? '—')],
      [t('health.now'), d.now ? fmtTime(d.now) : '—'],
    ]),
    detection(d.detection ?? []),
    panel(t('health.cameras'), [
      ...['online', 'degraded', 'offline', 'disabled', 'starting'].map((s) => [t(`cam.state.${s}`), fmtNum(cams[s] ?? 0, 0), s === 'offline' && cams[s] > 0 ? 'bad' : '']),
      [t('health.sessions'), `${fmtNum(local.sessions, 0)} / ${fmtNum(local.sse_clients, 0)}${local.sse_dropped ? ` ${t('health.dropped', { n: fmtNum(local.sse_dropped, 0) })}` : ''}`],
      [t('health.loginsRefused'), fmtNum(local.logins_refused ?? 0, 0), local.logins_refused > 0 ? 'warn' : ''],
    ]),
  ];
}
