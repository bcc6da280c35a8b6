// qmon.survey/1 beyond the generic contract checks: the builder sends only the contract's fields, refuses what does
// not fit; the worst case a conforming agent can send fits the inbound limit, and hostile sizes do not.
import { describe, expect, it } from 'vitest';
import {
  INBOUND_LIMITS,
  MAX_AGENT_CAMERAS,
  PayloadError,
  SurveyPayload,
  buildSurvey,
  decodePayload,
  inboundProblem,
  parseTopic,
  signerOf,
  generateSigningKey,
  topics,
  type SurveyCameraInput,
} from '../../contract/index.js';
import { WALL, json } from './samples.js';
import { surveyCamera } from '../hub/survey-fixtures.js';

// The hub's tests build their surveys from the same camera (one definition of a conforming survey camera).
const camera = (id: string, over: Partial<SurveyCameraInput> = {}): SurveyCameraInput => surveyCamera(id, { name: 'Hành lang', clockOffsetMs: 0, rules: 1, ...over });
const input = (cameras: SurveyCameraInput[]) => ({ fid: 'bg-0137', wall: WALL, version: '0.1.0', cameras });

describe('qmon.survey/1', () => {
  it('has its own topic, parsed as kind survey', () => {
    expect(topics.survey('bg-0137')).toBe('qmon/v1/bg-0137/survey');
    expect(parseTopic('qmon/v1/bg-0137/survey')).toEqual({ kind: 'survey', fid: 'bg-0137' });
  });

  it('sends only the contract\'s fields, whatever else the input object carries (no address, no password)', () => {
    const leaky = { ...camera('cam-1'), address: '192.168.1.20', password: 'admin', url: 'rtsp://admin:admin@192.168.1.20/' };
    const text = buildSurvey(input([leaky])).toString('utf8');
    expect(text).not.toMatch(/192\.168|admin|rtsp/);
    expect(Object.keys(json(buildSurvey(input([leaky]))).cameras as object)).toHaveLength(1);
  });

  it('refuses to build what does not fit: 129 characters, a control character, 33 cameras', () => {
    expect(() => buildSurvey(input([camera('cam-1', { name: 'x'.repeat(129) })]))).toThrow(PayloadError);
    expect(() => buildSurvey(input([camera('cam-1', { name: 'a\nb' })]))).toThrow(/cameras\.0\.name/);
    expect(() => buildSurvey(input(Array.from({ length: MAX_AGENT_CAMERAS + 1 }, (_, i) => camera(`cam-${i}`))))).toThrow(/cameras/);
  });

  it('the largest survey a conforming agent sends (32 cameras, every text 128 three-byte characters, signed) fits the limit', () => {
    const t = 'ệ'.repeat(128);
    const worst = Array.from({ length: MAX_AGENT_CAMERAS }, (_, i) =>
      camera(`camera-${String(i).padStart(57, '0')}`, {
        name: t,
        device: { manufacturer: t, model: t, firmware: t },
        profile: { role: 'main', name: t, encoding: 'x'.repeat(32), width: 16_384, height: 16_384, fps: 999.99 },
        measured: { codec: 'y'.repeat(32), width: 16_384, height: 16_384, fps: 999.99, bitrateKbps: 999_999 },
        clockOffsetMs: -999_999_999_999,
        uptime24h: { onlineShare: 0.1234, observedS: 86_399 },
        rules: 4096,
      }),
    );
    const signed = signerOf(generateSigningKey().privateKey).sign(topics.survey('bg-0137'), buildSurvey(input(worst)));
    expect(inboundProblem('survey', signed)).toBeNull();
    expect(signed.length).toBeLessThan(INBOUND_LIMITS.survey);
  });

  it('a reader refuses a 10 k string even when the bytes fit, and 1,000 cameras are over the bytes before parsing', () => {
    const one = json(buildSurvey(input([camera('cam-1')])));
    const long = Buffer.from(JSON.stringify({ ...one, cameras: [{ ...(one.cameras as object[])[0], name: 'x'.repeat(10_000) }] }));
    expect(inboundProblem('survey', long)).toBeNull();
    const d = decodePayload(SurveyPayload, 'survey', long);
    expect(d.ok).toBe(false);
    expect(!d.ok && d.error).toMatch(/cameras\.0\.name/);
    const many = Buffer.from(JSON.stringify({ ...one, cameras: Array.from({ length: 1000 }, () => (one.cameras as object[])[0]) }));
    expect(inboundProblem('survey', many)).toMatch(/survey payload is \d+ bytes; at most 131072/);
  });
});
