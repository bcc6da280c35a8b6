import type { EpochMs } from '../agent/shared/types.js';
import { encodePayload, isoMs } from './encode.js';
import { SurveyPayload, type SurveyCamera } from './schemas.js';

/**
 * What the agent knows of one camera for `qmon.survey/1`, in its own words (camelCase); every unknown value is
 * null. The builder picks each field by name, so nothing else the agent holds (an address, a password, a URL) can
 * ride along.
 */
export interface SurveyCameraInput {
  readonly id: string;
  readonly name: string | null;
  readonly source: SurveyCamera['source'];
  readonly enabled: boolean;
  readonly device: { readonly manufacturer: string | null; readonly model: string | null; readonly firmware: string | null } | null;
  readonly profile: {
    readonly role: 'main' | 'sub';
    readonly name: string | null;
    readonly encoding: string | null;
    readonly width: number;
    readonly height: number;
    readonly fps: number | null;
  } | null;
  readonly measured: {
    readonly codec: string | null;
    readonly width: number | null;
    readonly height: number | null;
    readonly fps: number | null;
    readonly bitrateKbps: number | null;
  };
  readonly defaultPassword: boolean | null;
  readonly clockOffsetMs: number | null;
  readonly uptime24h: { readonly onlineShare: number; readonly observedS: number } | null;
  readonly quality: SurveyCamera['quality'];
  readonly rules: number;
}

export interface SurveyInput {
  readonly fid: string;
  readonly wall: EpochMs;
  readonly version: string;
  readonly cameras: readonly SurveyCameraInput[];
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

export function buildSurvey(s: SurveyInput): Buffer {
  return encodePayload(SurveyPayload, 'qmon.survey/1', {
    schema: 'qmon.survey/1',
    fid: s.fid,
    ts: isoMs(s.wall),
    agent: { version: s.version },
    cameras: s.cameras.map((c) => ({
      id: c.id,
      name: c.name,
      source: c.source,
      enabled: c.enabled,
      device: c.device && { manufacturer: c.device.manufacturer, model: c.device.model, firmware: c.device.firmware },
      profile: c.profile && {
        role: c.profile.role,
        name: c.profile.name,
        encoding: c.profile.encoding,
        width: c.profile.width,
        height: c.profile.height,
        fps: c.profile.fps === null ? null : round2(c.profile.fps),
      },
      measured: {
        codec: c.measured.codec,
        width: c.measured.width,
        height: c.measured.height,
        fps: c.measured.fps === null ? null : round2(c.measured.fps),
        bitrate_kbps: c.measured.bitrateKbps === null ? null : Math.round(c.measured.bitrateKbps),
      },
      default_password: c.defaultPassword,
      clock_offset_ms: c.clockOffsetMs === null ? null : Math.round(c.clockOffsetMs),
      uptime_24h: c.uptime24h && { online_share: round4(c.uptime24h.onlineShare), observed_s: Math.floor(c.uptime24h.observedS) },
      quality: c.quality,
      rules: c.rules,
    })),
  });
}
