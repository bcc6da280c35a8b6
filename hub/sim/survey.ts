/**
 * The camera survey a simulated facility sends after its birth: the three cameras of its birth, with makes, models,
 * uptime, default passwords and rules varied by fid (deterministic), so a hub fed by `qmon sim` has survey tables and
 * a province summary to show. Built by the contract's builder, like the agent's.
 */
import { createHash } from 'node:crypto';
import { buildSurvey, type SurveyCameraInput } from '../../contract/index.js';

const MODELS = [
  { manufacturer: 'Hikvision', model: 'DS-2CD1023G0-I', firmware: 'V5.5.82 build 190909' },
  { manufacturer: 'Dahua', model: 'IPC-HFW1230S', firmware: '2.800.0000000.3.R' },
  { manufacturer: 'KBVision', model: 'KX-2111N2', firmware: 'V2.622.0000000.2' },
] as const;

/** The survey bytes (unsigned) of a simulated facility at `wall`. */
export function simSurvey(fid: string, wall: number, version: string): Buffer {
  const h = createHash('sha256').update(fid).digest();
  const cameras: SurveyCameraInput[] = [0, 1, 2].map((i) => {
    const b = h[i]!;
    const m = MODELS[b % MODELS.length]!;
    return {
      id: `cam-${i + 1}`,
      name: `Camera ${i + 1}`,
      source: 'onvif',
      enabled: true,
      device: m,
      profile: { role: 'sub', name: 'subStream', encoding: 'H264', width: 640, height: 360, fps: 15 },
      measured: { codec: 'h264', width: 640, height: 360, fps: 15, bitrateKbps: 400 + (b % 200) },
      defaultPassword: b % 5 === 0,
      clockOffsetMs: ((b % 21) - 10) * 1000,
      uptime24h: { onlineShare: b % 7 === 0 ? 0.8 : 1, observedS: 86_400 },
      quality: b % 7 === 0 ? 'poor' : 'excellent',
      rules: b % 4 === 0 ? 0 : 1,
    };
  });
  return buildSurvey({ fid, wall, version, cameras });
}
