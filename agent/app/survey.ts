/**
 * The camera survey (`qmon.survey/1`, docs/hub-contract.md) from what the agent already knows: the config (name,
 * source, rules), what each ONVIF camera said at its last resolve (make, model, firmware, profile, clock offset), the
 * camera supervisors (health grade) and the store's `camera_offline` alarms (uptime). Nothing here touches a camera
 * or the frame path; every value not known is null. No address, user name, password or URL leaves this file: the
 * contract's input names each field, and a login is only compared with the vendor-default table.
 */
import type { AppConfig, CameraConfig } from '../config/index.js';
import { findDefaultCredential } from '../camera/index.js';
import type { QualityGrade } from '../camera/index.js';
import type { EpochMs } from '../shared/types.js';
import type { SurveyCameraInput, SurveyInput } from '../../contract/index.js';
import type { OnvifFacts } from './camera-input.js';

export const SURVEY_WINDOW_MS = 86_400_000;
/** Less than this observed and the uptime is not given (a share of a few seconds says nothing). */
export const MIN_OBSERVED_MS = 60_000;
const MAX_TEXT = 128;

/** One outage of a camera as the store records it (an open one has no end yet). */
export interface OfflineSpan {
  readonly cameraId: string;
  readonly startedAt: EpochMs;
  readonly endedAt: EpochMs | null;
}

/** What the survey reads of the running agent. */
export interface SurveySources {
  readonly fid: string;
  readonly version: string;
  readonly config: Pick<AppConfig, 'cameras'>;
  readonly wall: EpochMs;
  /** Wall time this agent process started: the uptime is computed over what it observed. */
  readonly startedAt: EpochMs;
  onvif(id: string): OnvifFacts | undefined;
  /** The health grade of a running camera; undefined when it does not run. */
  quality(id: string): QualityGrade | undefined;
  /** Rules configured on the camera. */
  rules(cam: CameraConfig): number;
  /** camera_offline spans ending at or after `since`, or open. */
  offlineSpans(since: EpochMs): readonly OfflineSpan[];
}

/** Camera-supplied or configured text as the contract takes it: one line, no control characters, ≤ 128; empty → null. */
export function surveyText(s: string | null | undefined): string | null {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const t = (s ?? '').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim().slice(0, MAX_TEXT).trim();
  return t === '' ? null : t;
}

const codec = (s: string | null | undefined): string | null => (s !== null && s !== undefined && /^[A-Za-z0-9_.+-]{1,32}$/.test(s) ? s : null);
const pixels = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 16_384;

/**
 * Share of [from, to] a camera was not offline, given its outages. An outage still open counts up to `to`, unless it
 * began before `from` (left open by an earlier agent process, which stopped without ending it): then it is not
 * counted, since this process has watched the camera since `from`. Overlapping spans are merged.
 */
export function onlineShare(spans: readonly OfflineSpan[], from: EpochMs, to: EpochMs): number {
  if (to <= from) return 1;
  const clipped = spans
    .map((s) => [Math.max(s.startedAt, from), Math.min(s.endedAt ?? (s.startedAt < from ? from : to), to)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let offline = 0;
  let end = from;
  for (const [a, b] of clipped) {
    const start = Math.max(a, end);
    if (b > start) offline += b - start;
    end = Math.max(end, b);
  }
  return Math.max(0, Math.min(1, 1 - offline / (to - from)));
}

/** Whether the login the agent uses on this camera is a vendor default (null: it uses none). */
export function usesDefaultPassword(cam: CameraConfig): boolean | null {
  const s = cam.source;
  if (s.kind === 'onvif') return findDefaultCredential(s.username, s.password) !== undefined;
  if (s.kind !== 'rtsp') return null;
  try {
    const u = new URL(s.url);
    if (u.username === '') return null;
    return findDefaultCredential(decodeURIComponent(u.username), decodeURIComponent(u.password)) !== undefined;
  } catch {
    return null;
  }
}

function cameraOf(cam: CameraConfig, src: SurveySources, spans: readonly OfflineSpan[], from: EpochMs): SurveyCameraInput {
  const facts = src.onvif(cam.id);
  const p = facts?.profile;
  const observedMs = src.wall - from;
  return {
    id: cam.id,
    name: surveyText(cam.name),
    source: cam.source.kind,
    enabled: cam.enabled,
    device: facts?.device
      ? { manufacturer: surveyText(facts.device.manufacturer), model: surveyText(facts.device.model), firmware: surveyText(facts.device.firmwareVersion) }
      : null,
    profile:
      p && pixels(p.width) && pixels(p.height)
        ? { role: p.role, name: surveyText(p.name), encoding: codec(p.encoding), width: p.width, height: p.height, fps: p.fps !== null && p.fps >= 0 && p.fps <= 1000 ? p.fps : null }
        : null,
    // The decoder runs at the detect rate and size (ffmpeg's fps and scale filters), so its frames say nothing of
    // the camera's own stream: not measured by this agent version, hence null rather than the detect settings.
    measured: { codec: null, width: null, height: null, fps: null, bitrateKbps: null },
    defaultPassword: usesDefaultPassword(cam),
    clockOffsetMs: facts ? facts.clockOffsetMs : null,
    uptime24h:
      cam.enabled && observedMs >= MIN_OBSERVED_MS
        ? { onlineShare: onlineShare(spans.filter((s) => s.cameraId === cam.id), from, src.wall), observedS: Math.floor(observedMs / 1000) }
        : null,
    quality: src.quality(cam.id) ?? null,
    rules: src.rules(cam),
  };
}

/** The survey of every configured camera (at most MAX_AGENT_CAMERAS: the config allows no more). */
export function surveyOf(src: SurveySources): SurveyInput {
  const from = Math.max(src.wall - SURVEY_WINDOW_MS, src.startedAt);
  const spans = src.offlineSpans(from);
  return { fid: src.fid, wall: src.wall, version: src.version, cameras: src.config.cameras.map((c) => cameraOf(c, src, spans, from)) };
}
