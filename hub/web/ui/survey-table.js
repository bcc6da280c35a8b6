// A facility's camera survey on its page: per camera what it is (make, model, firmware), how it streams (profile;
// codec, resolution, fps and bitrate as measured, else as configured), whether it keeps a vendor default password
// (highlighted), its clock offset, its share online over 24 h, its grade and rules; then the surveys per day.
// Everything the facility sent is put in the page as text.

import { api } from './api.js';
import { h } from './dom.js';
import { codeLabel, fmtAge, fmtNumber, fmtPercent, fmtTime, t } from './i18n.js';

const HISTORY_DAYS = 30;

/** The survey section of facility `fid` (filled when the hub answers; a failure is said in words there). */
export function facilitySurvey(fid) {
  const box = h('section', { id: 'facility-survey' }, h('h2', {}, t('survey.facilityTitle')));
  api(`/facilities/${encodeURIComponent(fid)}/survey?days=${HISTORY_DAYS}`)
    .then((data) => box.append(...content(data)))
    .catch((e) => box.append(h('p', { class: 'error', role: 'alert' }, e?.status === 403 ? t('error.forbidden') : t('error.generic', { msg: e?.message ?? String(e) }))));
  return box;
}

function content(data) {
  if (!data.latest) return [h('p', { class: 'muted' }, t('survey.noSurvey'))];
  const s = data.latest.survey;
  const head = ['survey.col.camera', 'survey.col.device', 'survey.col.profile', 'survey.col.codec', 'survey.col.resolution', 'survey.col.fps', 'survey.col.bitrate',
    'survey.col.defaultPassword', 'survey.col.clock', 'survey.online', 'survey.col.quality', 'survey.col.rules'];
  return [
    h('p', { class: 'muted', id: 'survey-at' }, t('survey.at', { time: fmtTime(s.ts), received: fmtTime(data.latest.received_at), version: s.agent.version })),
    h('div', { class: 'scroll' },
      h('table', { id: 'survey' },
        h('thead', {}, h('tr', {}, head.map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, s.cameras.map(cameraRow)))),
    data.history.length > 1 ? history(data.history) : null,
  ].filter((x) => x !== null);
}

/** A measured value, else the configured one marked as such, else a dash. */
function measuredOr(measured, stated, format) {
  if (measured !== null && measured !== undefined) return format(measured);
  if (stated !== null && stated !== undefined) return [format(stated), ' ', h('span', { class: 'muted' }, t('survey.stated'))];
  return '—';
}

function cameraRow(c) {
  const d = c.device;
  const p = c.profile;
  const m = c.measured;
  const device = d ? [d.manufacturer, d.model, d.firmware].map((x) => x ?? '—').join(' / ') : '—';
  const profile = p ? `${p.name ?? '—'} (${codeLabel('survey.role', p.role)})` : '—';
  const resolution = m.width !== null && m.height !== null ? `${fmtNumber(m.width)}×${fmtNumber(m.height)}` : null;
  const statedResolution = p ? `${fmtNumber(p.width)}×${fmtNumber(p.height)}` : null;
  const share = c.uptime_24h?.online_share ?? null;
  return h('tr', { dataset: { camera: c.id } },
    h('td', {}, c.name ?? c.id, c.name ? h('div', { class: 'muted' }, c.id) : null, c.enabled ? null : h('div', { class: 'muted' }, t('survey.off'))),
    h('td', {}, device),
    h('td', {}, profile),
    h('td', {}, measuredOr(m.codec, p?.encoding ?? null, String)),
    h('td', {}, measuredOr(resolution, statedResolution, String)),
    h('td', {}, measuredOr(m.fps, p?.fps ?? null, fmtNumber)),
    h('td', {}, m.bitrate_kbps === null ? '—' : t('survey.kbps', { n: fmtNumber(Math.round(m.bitrate_kbps)) })),
    h('td', { class: c.default_password === true ? 'bad' : '', dataset: { defaultPassword: String(c.default_password) } },
      c.default_password === null ? '—' : c.default_password ? t('survey.yes') : t('survey.no')),
    h('td', { class: c.clock_offset_ms !== null && Math.abs(c.clock_offset_ms) > 2000 ? 'warn' : '' }, clockOffset(c.clock_offset_ms)),
    h('td', { class: share !== null && share < 0.9 ? 'bad' : '' }, fmtPercent(share)),
    h('td', {}, c.quality === null ? '—' : codeLabel('q', c.quality)),
    h('td', { class: c.enabled && c.rules === 0 ? 'warn' : '' }, fmtNumber(c.rules)),
  );
}

/** Camera clock minus the agent's: milliseconds when small, else the largest unit, with its sign. */
function clockOffset(ms) {
  if (ms === null) return '—';
  const sign = ms > 0 ? '+' : ms < 0 ? '−' : '';
  return Math.abs(ms) < 1000 ? `${sign}${t('survey.ms', { n: fmtNumber(Math.abs(ms)) })}` : `${sign}${fmtAge(Math.abs(ms) / 1000)}`;
}

/** One line per day: cameras, default passwords, mean share online (how the installation changed). */
function history(days) {
  return h('div', {},
    h('h3', {}, t('survey.history', { n: fmtNumber(HISTORY_DAYS) })),
    h('table', { id: 'survey-history' },
      h('thead', {}, h('tr', {}, ['survey.day', 'survey.cameras', 'survey.defaultPasswords', 'survey.withoutRule', 'survey.online'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, days.map((d) => {
        const cams = d.survey.cameras;
        const shares = cams.map((c) => c.uptime_24h?.online_share).filter((x) => x !== undefined && x !== null);
        return h('tr', {},
          h('td', {}, d.day),
          h('td', {}, fmtNumber(cams.length)),
          h('td', {}, fmtNumber(cams.filter((c) => c.default_password === true).length)),
          h('td', {}, fmtNumber(cams.filter((c) => c.enabled && c.rules === 0).length)),
          h('td', {}, fmtPercent(shares.length === 0 ? null : shares.reduce((a, b) => a + b, 0) / shares.length)));
      }))));
}
