/** resolveOnvifStream: what the agent calls for `source: { onvif: … }` cameras. */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../agent/shared/clock.js';
import { resolveOnvifStream, type OnvifStreamSource } from '../../../agent/camera/onvif/index.js';
import { chooseProfiles } from '../../../agent/camera/onvif/profiles.js';
import { OnvifSimulator, type SimulatorOptions } from './simulator.js';
import type { MediaProfile } from '../../../agent/camera/onvif/responses.js';

const sims: OnvifSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});
async function source(opts: SimulatorOptions, profile: 'main' | 'sub', password?: string): Promise<OnvifStreamSource> {
  const s = await OnvifSimulator.start(opts);
  sims.push(s);
  return { address: '127.0.0.1', port: s.port, username: s.username, password: password ?? s.password, profile };
}

describe('resolveOnvifStream', () => {
  it('gives the sub stream with URL-encoded credentials for ffmpeg and a redacted copy for logs', async () => {
    const src = await source({ password: 'p@ss:w/rd#1' }, 'sub');
    const r = await resolveOnvifStream(src, { timeoutMs: 2000 });
    expect(r.url).toBe('rtsp://admin:p%40ss%3Aw%2Frd%231@127.0.0.1:8554/sub');
    expect(r.redactedUrl).toBe('rtsp://admin:***@127.0.0.1:8554/sub');
    expect(r.profile).toEqual({ name: 'subStream', token: 'Profile_2', encoding: 'H264', width: 640, height: 360, fps: 10 });
  });

  it('gives the main stream when asked', async () => {
    const r = await resolveOnvifStream(await source({}, 'main'), { timeoutMs: 2000 });
    expect(r.redactedUrl).toBe('rtsp://admin:***@127.0.0.1:8554/main');
    expect(r.profile.height).toBe(1080);
  });

  it('signs in camera time whatever the injected clock says (a ManualClock months off, a camera 3 h off)', async () => {
    const src = await source({ clockOffsetMs: 3 * 3600_000 }, 'sub');
    const r = await resolveOnvifStream(src, { timeoutMs: 2000, clock: new ManualClock(0, Date.UTC(2020, 5, 1)) });
    expect(r.profile.token).toBe('Profile_2');
  });

  it('fails with a specific error and no secret in it', async () => {
    const src = await source({}, 'sub', 'Wr0ngPass!');
    const err = await resolveOnvifStream(src, { timeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'OnvifError', code: 'auth_failed' });
    expect(String((err as Error).message)).not.toContain('Wr0ngPass!');
  });

  it('refuses an RTSP username with ":" (ffmpeg cannot carry it)', async () => {
    const src = await source({ username: 'odd:user' }, 'sub');
    await expect(resolveOnvifStream(src, { timeoutMs: 2000 })).rejects.toMatchObject({ code: 'bad_stream_uri' });
  });
});

describe('chooseProfiles', () => {
  const p = (token: string, width: number, height: number, encoding = 'H264'): MediaProfile => ({ name: token, token, encoding, width, height, fps: 25 });

  it('main = the largest, sub = the largest other ≤ 720p, preferring H.264/H.265 over MJPEG', () => {
    const c = chooseProfiles([p('jpeg', 1280, 720, 'JPEG'), p('4k', 3840, 2160), p('d1', 704, 576), p('cif', 352, 288)]);
    expect([c.main.token, c.sub.token, c.subNote]).toEqual(['4k', 'd1', undefined]);
  });

  it('a single ≤ 720p profile is both main and sub', () => {
    const c = chooseProfiles([p('only', 1280, 720)]);
    expect(c.main).toBe(c.sub);
  });

  it('with nothing ≤ 720p the smallest stands in as sub, with a note', () => {
    const c = chooseProfiles([p('a', 2560, 1440), p('b', 1920, 1080)]);
    expect(c.sub.token).toBe('b');
    expect(c.subNote).toMatch(/no profile is 720p or smaller/);
  });
});
