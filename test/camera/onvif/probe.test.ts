/** probeDevice against the ONVIF simulator: the happy path, wrong clocks, wrong passwords, lockout, defaults. */
import { afterEach, describe, expect, it } from 'vitest';
import { OnvifDevice } from '../../../agent/camera/onvif/device.js';
import { probeDevice, type ProbeOptions } from '../../../agent/camera/onvif/index.js';
import { OnvifSimulator, type SimulatorOptions } from './simulator.js';

const THREE_HOURS = 3 * 3600_000;
const sims: OnvifSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

async function sim(opts: SimulatorOptions = {}): Promise<OnvifSimulator> {
  const s = await OnvifSimulator.start(opts);
  sims.push(s);
  return s;
}

const creds = (s: OnvifSimulator, extra: ProbeOptions = {}): ProbeOptions => ({ username: s.username, password: s.password, timeoutMs: 2000, ...extra });

describe('probeDevice: a working camera', () => {
  it('reads make/model/firmware, both profiles with roles, and their RTSP URIs', async () => {
    const s = await sim();
    const r = await probeDevice({ address: '127.0.0.1', port: s.port }, creds(s));
    expect(r.error).toBeUndefined();
    expect(r.authenticated).toBe(true);
    expect(r.info).toEqual({ manufacturer: 'SimCam', model: 'SC-2021', firmwareVersion: 'V5.5.0', serialNumber: 'SC2021-0001-ABCD', hardwareId: '88' });
    expect(Math.abs(r.clock!.offsetMs)).toBeLessThan(1500);
    expect(r.profiles.map((p) => [p.token, p.role, p.encoding, p.width, p.height, p.fps, p.streamUri])).toEqual([
      ['Profile_1', 'main', 'H264', 1920, 1080, 25, 'rtsp://127.0.0.1:8554/main'],
      ['Profile_2', 'sub', 'H264', 640, 360, 10, 'rtsp://127.0.0.1:8554/sub'],
    ]);
    expect(r.profiles[1]!.redactedStreamUri).toBe('rtsp://admin:***@127.0.0.1:8554/sub');
    expect(r.skippedProfiles).toEqual(['audioOnly: no video encoder (audio or metadata only)']);
    expect(r.defaultPassword).toBeUndefined();
    // GetCapabilities named 127.0.0.2 (as a camera behind NAT does); the media calls still reached the simulator.
    expect(s.calls.map((c) => `${c.op}:${c.auth}`)).toEqual([
      'GetSystemDateAndTime:none',
      'GetDeviceInformation:ok',
      'GetCapabilities:ok',
      'GetProfiles:ok',
      'GetStreamUri:ok',
      'GetStreamUri:ok',
    ]);
  });

  it('works with a camera clock 3 h ahead, signing in camera time, and reports the offset', async () => {
    const s = await sim({ clockOffsetMs: THREE_HOURS });
    const r = await probeDevice({ address: '127.0.0.1', port: s.port }, creds(s));
    expect(r.error).toBeUndefined();
    expect(r.clock!.offsetMs).toBeGreaterThan(THREE_HOURS - 1500);
    expect(r.clock!.offsetMs).toBeLessThan(THREE_HOURS + 1500);
    expect(r.profiles).toHaveLength(2);
  });

  it('the simulator does refuse a token dated by the local clock when the camera is 3 h off', async () => {
    // The control for the test above: without the offset, the same camera rejects the same password.
    const s = await sim({ clockOffsetMs: -THREE_HOURS });
    const dev = new OnvifDevice({ address: '127.0.0.1', port: s.port, username: s.username, password: s.password, timeoutMs: 2000 });
    await expect(dev.deviceInformation()).rejects.toMatchObject({ code: 'auth_failed' });
    expect(s.calls.at(-1)?.auth).toBe('stale');
    await dev.readClock();
    await expect(dev.deviceInformation()).resolves.toMatchObject({ model: 'SC-2021' });
  });

  it('authenticates with HTTP Digest when the camera asks for it with a 401', async () => {
    const s = await sim({ httpDigest: true });
    const r = await probeDevice({ address: '127.0.0.1', port: s.port }, creds(s));
    expect(r.error).toBeUndefined();
    expect(r.profiles).toHaveLength(2);
    expect(s.calls.filter((c) => c.auth === 'digest-ok').length).toBeGreaterThanOrEqual(4);
  });

  it('repeats GetSystemDateAndTime with a login when the firmware demands one', async () => {
    const s = await sim({ clockNeedsAuth: true });
    const r = await probeDevice({ address: '127.0.0.1', port: s.port }, creds(s));
    expect(r.error).toBeUndefined();
    expect(s.calls.slice(0, 2)).toEqual([
      { op: 'GetSystemDateAndTime', auth: 'wrong' },
      { op: 'GetSystemDateAndTime', auth: 'ok' },
    ]);
    expect(Math.abs(r.clock!.offsetMs)).toBeLessThan(1500);
  });

  it('without credentials reads only the clock', async () => {
    const s = await sim({ clockOffsetMs: -THREE_HOURS });
    const r = await probeDevice({ address: '127.0.0.1', port: s.port }, { timeoutMs: 2000 });
    expect(r.error).toBeUndefined();
    expect(r.clock!.offsetMs).toBeLessThan(-THREE_HOURS + 1500);
    expect(r.notes).toEqual(['no username/password given: only the clock was read']);
    expect(s.calls.map((c) => c.op)).toEqual(['GetSystemDateAndTime']);
  });
});

describe('probeDevice: credentials problems', () => {
  it('reports a wrong password as auth_failed, without the password in any message', async () => {
    const s = await sim();
    const r = await probeDevice({ address: '127.0.0.1', port: s.port }, creds(s, { password: 'Wr0ng-Secret' }));
    expect(r.error?.code).toBe('auth_failed');
    expect(r.error?.message).toMatch(/127\.0\.0\.1:\d+ GetDeviceInformation: wrong username or password/);
    expect(JSON.stringify(r)).not.toContain('Wr0ng-Secret');
    expect(r.clock).toBeDefined(); // learnt before the failure, still reported
    expect(r.profiles).toEqual([]);
  });

  it('reports a locked account as locked, and the correct password does not get through either', async () => {
    const s = await sim({ lockoutAfter: 3 });
    for (let k = 0; k < 3; k++) {
      const r = await probeDevice({ address: '127.0.0.1', port: s.port }, creds(s, { password: `bad-${k}` }));
      expect(r.error?.code).toBe(k < 2 ? 'auth_failed' : 'locked');
    }
    const r = await probeDevice({ address: '127.0.0.1', port: s.port }, creds(s));
    expect(r.error?.code).toBe('locked');
    expect(r.error?.message).toMatch(/account is locked/);
  });

  it('flags supplied credentials that are a vendor default, without printing the password', async () => {
    const s = await sim({ username: 'admin', password: '12345' });
    const r = await probeDevice({ address: '127.0.0.1', port: s.port }, creds(s));
    expect(r.defaultPassword).toEqual({ username: 'admin', vendors: 'Hikvision (older firmware)', how: 'supplied' });
    expect(JSON.stringify(r)).not.toContain('12345');
  });

  it('finds a default password with --check-default-passwords, and only then', async () => {
    const s = await sim({ username: 'admin', password: '888888' });
    const plain = await probeDevice({ address: '127.0.0.1', port: s.port }, creds(s, { username: 'operator', password: 'x' }));
    expect(plain.defaultPassword).toBeUndefined();
    const checked = await probeDevice({ address: '127.0.0.1', port: s.port }, creds(s, { username: 'operator', password: 'x', checkDefaultPasswords: true }));
    expect(checked.error?.code).toBe('auth_failed');
    expect(checked.defaultPassword).toEqual({ username: 'admin', vendors: 'Dahua (older firmware)', how: 'tested' });
  });

  it('stops the default-password check when the camera locks the account', async () => {
    const s = await sim({ username: 'admin', password: 'not-a-default', lockoutAfter: 2 });
    const r = await probeDevice({ address: '127.0.0.1', port: s.port }, creds(s, { checkDefaultPasswords: true }));
    expect(r.error).toBeUndefined();
    expect(r.defaultPassword).toBeUndefined();
    expect(r.defaultCheckNote).toMatch(/locked the account/);
    expect(s.calls.filter((c) => c.op === 'GetDeviceInformation')).toHaveLength(3); // own + 2 tries, then stop
  });
});

describe('probeDevice: devices that are not (usable) ONVIF cameras', () => {
  it('unreachable: nothing listens on the port', async () => {
    const s = await sim();
    const port = s.port;
    await s.stop();
    sims.splice(sims.indexOf(s), 1);
    const r = await probeDevice({ address: '127.0.0.1', port }, { timeoutMs: 2000 });
    expect(r.error).toMatchObject({ code: 'unreachable' });
    expect(r.error?.message).toMatch(/connection refused/);
  });

  it.each([
    ['html', /web page/],
    ['not-xml', /not XML/],
    ['not-soap', /not a SOAP envelope/],
  ] as const)('not ONVIF: %s reply to GetSystemDateAndTime', async (mode, why) => {
    const s = await sim({ hostile: { GetSystemDateAndTime: mode } });
    const r = await probeDevice({ address: '127.0.0.1', port: s.port }, creds(s));
    expect(r.error?.code).toBe('not_onvif');
    expect(r.error?.message).toMatch(why);
  });

  it('no media profile', async () => {
    const s = await sim({ hostile: { GetProfiles: 'no-profiles' } });
    const r = await probeDevice({ address: '127.0.0.1', port: s.port }, creds(s));
    expect(r.error).toMatchObject({ code: 'no_media_profile' });
    expect(r.info?.model).toBe('SC-2021');
  });

  it('profiles whose encoder has no resolution are skipped with the reason, ending in no_media_profile', async () => {
    const s = await sim({ hostile: { GetProfiles: 'missing-fields' } });
    const r = await probeDevice({ address: '127.0.0.1', port: s.port }, creds(s));
    expect(r.error?.code).toBe('no_media_profile');
    expect(r.error?.message).toMatch(/mainStream: missing or invalid VideoEncoderConfiguration.Resolution/);
  });

  it('an RTSP URI that is not usable is reported per profile', async () => {
    const s = await sim({ hostile: { GetStreamUri: 'bad-uri' } });
    const r = await probeDevice({ address: '127.0.0.1', port: s.port }, creds(s));
    expect(r.profiles.map((p) => p.streamError)).toEqual([expect.stringMatching(/returned a http: URI, not rtsp:/), expect.stringMatching(/not rtsp:/)]);
  });

  it.each([
    ['GetSystemDateAndTime', 'bad_response', /missing Time.Hour/],
    ['GetDeviceInformation', null, null],
    ['GetStreamUri', null, null],
  ] as const)('missing fields in %s', async (op, code, why) => {
    const s = await sim({ hostile: { [op]: 'missing-fields' } });
    const r = await probeDevice({ address: '127.0.0.1', port: s.port }, creds(s));
    if (code !== null) {
      expect(r.error?.code).toBe(code);
      expect(r.error?.message).toMatch(why);
    } else if (op === 'GetDeviceInformation') {
      expect(r.error).toBeUndefined(); // cheap cameras omit these; the probe goes on
      expect(r.info).toEqual({ model: 'OnlyModel' });
    } else {
      expect(r.profiles[0]?.streamError).toMatch(/GetStreamUri returned no MediaUri.Uri/);
    }
  });
});
