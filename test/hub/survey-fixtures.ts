// Surveys for the hub's tests, built by the contract's builder (what a real agent sends).
import { buildSurvey, type SurveyCameraInput, type SurveyPayload } from '../../contract/index.js';

export function surveyCamera(id: string, over: Partial<SurveyCameraInput> = {}): SurveyCameraInput {
  return {
    id,
    name: `Camera ${id}`,
    source: 'onvif',
    enabled: true,
    device: { manufacturer: 'SimCam', model: 'SC-2021', firmware: 'V5.5.0' },
    profile: { role: 'sub', name: 'subStream', encoding: 'H264', width: 640, height: 360, fps: 10 },
    measured: { codec: null, width: null, height: null, fps: null, bitrateKbps: null },
    defaultPassword: false,
    clockOffsetMs: 120,
    uptime24h: { onlineShare: 1, observedS: 86_400 },
    quality: 'excellent',
    rules: 2,
    ...over,
  };
}

/** A valid `qmon.survey/1` as the hub's reader returns it. */
export function survey(fid: string, wall: number, cameras: readonly SurveyCameraInput[] = [surveyCamera('cam-1')]): SurveyPayload {
  return JSON.parse(buildSurvey({ fid, wall, version: '0.1.0', cameras }).toString('utf8')) as SurveyPayload;
}
