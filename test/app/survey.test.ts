// The agent's camera survey from what it knows (app/survey.ts), on a manual clock: uptime over the observed part of
// the last 24 h from camera_offline spans, vendor-default logins, ONVIF facts cleaned for the contract, and null for
// everything not known.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type CameraConfig } from '../../agent/config/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import { buildSurvey, SurveyPayload } from '../../contract/index.js';
import { onlineShare, surveyOf, surveyText, usesDefaultPassword, type OfflineSpan, type SurveySources } from '../../agent/app/survey.js';
import type { OnvifFacts } from '../../agent/app/camera-input.js';

const REPO = new URL('../../', import.meta.url).pathname;
const H = 3_600_000;
const demo = await loadConfig(join(REPO, 'config/demo.yaml'));
const base = demo.cameras[0]!;

const { name: _unnamed, ...unnamed } = base; // no name in the config
const onvifCam = (id: string, username: string, password: string): CameraConfig => ({
  ...unnamed,
  id,
  source: { kind: 'onvif', address: '192.168.1.20', port: 80, username, password, profile: 'sub' },
});
const rtspCam = (id: string, url: string): CameraConfig => ({ ...base, id, source: { kind: 'rtsp', url, redactedUrl: url, transport: 'tcp' } });

describe('onlineShare', () => {
  const span = (startedAt: number, endedAt: number | null): OfflineSpan => ({ cameraId: 'c', startedAt, endedAt });
  it('is the share of the window not covered by outages, clipped to the window, overlaps merged', () => {
    expect(onlineShare([], 0, 10 * H)).toBe(1);
    expect(onlineShare([span(H, 2 * H)], 0, 10 * H)).toBeCloseTo(0.9);
    expect(onlineShare([span(-5 * H, H), span(9 * H, 20 * H)], 0, 10 * H)).toBeCloseTo(0.8);
    expect(onlineShare([span(H, 3 * H), span(2 * H, 4 * H)], 0, 10 * H)).toBeCloseTo(0.7);
  });
  it('counts an open outage up to now, but not one an earlier process left open before the window', () => {
    expect(onlineShare([span(5 * H, null)], 0, 10 * H)).toBeCloseTo(0.5);
    expect(onlineShare([span(-H, null)], 0, 10 * H)).toBe(1);
  });
});

describe('usesDefaultPassword', () => {
  it('compares the login the agent uses with the vendor table (never the password itself in the result)', () => {
    expect(usesDefaultPassword(onvifCam('a', 'admin', '12345'))).toBe(true);
    expect(usesDefaultPassword(onvifCam('b', 'admin', 'Str0ng-Unique-71'))).toBe(false);
    expect(usesDefaultPassword(rtspCam('c', 'rtsp://admin:admin@10.0.0.5/stream'))).toBe(true);
    expect(usesDefaultPassword(rtspCam('d', 'rtsp://10.0.0.5/stream'))).toBeNull();
    expect(usesDefaultPassword(base)).toBeNull(); // a file
  });
});

describe('surveyText', () => {
  it('takes one line without control characters, at most 128, empty as null', () => {
    expect(surveyText(' SimCam\u0000\u001b[31m ')).toBe('SimCam [31m');
    expect(surveyText('x'.repeat(500))).toHaveLength(128);
    expect(surveyText('\u0007 ')).toBeNull();
    expect(surveyText(undefined)).toBeNull();
  });
});

describe('surveyOf', () => {
  const clock = new ManualClock(0, Date.UTC(2026, 11, 7, 0));
  const startedAt = clock.wall();
  const facts: OnvifFacts = {
    device: { manufacturer: '<b>Sim\u0000Cam</b>', model: 'SC-2021', firmwareVersion: 'x'.repeat(300) },
    profile: { role: 'sub', name: 'subStream', token: 'Profile_2', encoding: 'H 264 (weird)', width: 640, height: 360, fps: 10 },
    clockOffsetMs: -4200.6,
  };
  const cams = [onvifCam('gate', 'admin', '12345'), rtspCam('yard', 'rtsp://10.0.0.5/s'), { ...base, id: 'off', enabled: false }];
  const sources = (spans: OfflineSpan[]): SurveySources => ({
    fid: 'bg-0137',
    version: '0.1.0',
    config: { cameras: cams },
    wall: clock.wall(),
    startedAt,
    onvif: (id) => (id === 'gate' ? facts : undefined),
    quality: (id) => (id === 'gate' ? 'fair' : undefined),
    rules: (c) => (c.id === 'gate' ? 2 : 0),
    offlineSpans: () => spans,
  });

  it('gives no uptime in the first minute, then the share over what this process observed (at most 24 h)', () => {
    expect(surveyOf(sources([])).cameras.every((c) => c.uptime24h === null)).toBe(true);
    clock.advance(30 * H);
    const s = surveyOf({ ...sources([{ cameraId: 'gate', startedAt: clock.wall() - 6 * H, endedAt: clock.wall() - 3 * H }]), wall: clock.wall() });
    expect(s.cameras[0]!.uptime24h).toEqual({ onlineShare: 0.875, observedS: 86_400 });
    expect(s.cameras[1]!.uptime24h).toEqual({ onlineShare: 1, observedS: 86_400 });
    expect(s.cameras[2]!.uptime24h).toBeNull(); // disabled: not watched
  });

  it('reports the ONVIF facts cleaned for the contract, and null for everything not known; the result encodes', () => {
    const s = surveyOf({ ...sources([]), wall: clock.wall() });
    const [gate, yard, off] = s.cameras;
    expect(gate).toMatchObject({
      id: 'gate',
      name: null,
      source: 'onvif',
      device: { manufacturer: '<b>Sim Cam</b>', model: 'SC-2021' },
      profile: { role: 'sub', name: 'subStream', encoding: null, width: 640, height: 360, fps: 10 },
      measured: { codec: null, width: null, height: null, fps: null, bitrateKbps: null },
      defaultPassword: true,
      clockOffsetMs: -4200.6,
      quality: 'fair',
      rules: 2,
    });
    expect(gate!.device!.firmware).toHaveLength(128);
    expect(yard).toMatchObject({ source: 'rtsp', device: null, profile: null, defaultPassword: null, clockOffsetMs: null, quality: null, rules: 0 });
    expect(off).toMatchObject({ enabled: false, source: 'file' });
    const sent = JSON.parse(buildSurvey(s).toString('utf8')) as unknown;
    expect(SurveyPayload.safeParse(sent).success).toBe(true);
    expect(JSON.stringify(sent)).not.toMatch(/192\.168|10\.0\.0\.5|12345|admin/);
  });
});
