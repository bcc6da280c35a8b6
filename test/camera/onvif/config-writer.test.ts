/**
 * `--write`: probed cameras appended to a real facility config (a copy of config/example.yaml), which
 * must keep its comments, hold no literal password, and still pass the real config checker.
 */
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkConfig } from '../../../agent/config/index.js';
import { appendCameras, cameraIdFor, ConfigWriteError, passwordEnvName, probeDevice, type ProbeReport } from '../../../agent/camera/onvif/index.js';
import { detectSizeFor } from '../../../agent/camera/onvif/config-writer.js';
import { OnvifSimulator, type SimulatorOptions } from './simulator.js';

const REPO = new URL('../../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'qmon-onvif-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'hub-ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n');
writeFileSync(join(dir, 'facility.pem'), '-----BEGIN CERTIFICATE-----\nMIIBfac\n-----END CERTIFICATE-----\n');
writeFileSync(join(dir, 'facility.key'), '-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----\n');
const EXAMPLE_ENV = { CAM_A_PASSWORD: 'a', CAM_B_PASSWORD: 'b', CAM_YARD_PASSWORD: 'y' };

let n = 0;
function exampleCopy(): string {
  const file = join(dir, `qmon-${++n}.yaml`);
  copyFileSync(join(REPO, 'config/example.yaml'), file);
  // The example names its message-signing keys as files beside it (qmon keys generate; the hub operator's public key).
  writeFileSync(join(dir, 'facility-signing.pem'), generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  writeFileSync(join(dir, 'hub-signing.pub.pem'), generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
  return file;
}

const sims: OnvifSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});
async function probed(opts: SimulatorOptions = {}, password?: string): Promise<{ s: OnvifSimulator; r: ProbeReport }> {
  const s = await OnvifSimulator.start(opts);
  sims.push(s);
  const r = await probeDevice({ address: '127.0.0.1', port: s.port, endpoint: s.endpoint }, { username: s.username, password: password ?? s.password, timeoutMs: 2000 });
  return { s, r };
}

describe('appendCameras', () => {
  it('appends the sub stream as an onvif camera with an env: password, keeping comments, and the config still checks', async () => {
    const file = exampleCopy();
    const original = readFileSync(file, 'utf8');
    const { s, r } = await probed({ serial: 'DS-2CD2143G0-I20190101AAWRC12345678' });
    const result = await appendCameras(file, [r], { username: 'admin', today: new Date(Date.UTC(2021, 5, 1)) });
    const id = 'cam-143g0-i20190101aawrc12345678'; // the serial's last 28 characters
    expect(result.added).toEqual([{ id, address: `127.0.0.1:${s.port}`, passwordEnv: 'QMON_CAM_CAM_143G0_I20190101AAWRC12345678_PASSWORD', profile: 'sub' }]);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(original)).toBe(true); // the installer's file is untouched, byte for byte
    expect(text).toContain(`# added by qmon discover 2021-06-01: SimCam SC-2021, fw V5.5.0, serial DS-2CD2143G0-I20190101AAWRC12345678; stream 640x360; set QMON_CAM_CAM_143G0_I20190101AAWRC12345678_PASSWORD`);
    expect(text).not.toContain(s.password);
    expect(text).toMatch(/detect: \{ fps: 5, width: 640, height: 360 \}/);

    const check = await checkConfig(file, { env: { ...EXAMPLE_ENV, QMON_CAM_CAM_143G0_I20190101AAWRC12345678_PASSWORD: s.password } });
    expect(check.errors).toEqual([]);
    expect(check.ok).toBe(true);
    const cam = check.config!.cameras.at(-1)!;
    expect(cam.id).toBe(id);
    expect(cam.source).toEqual({ kind: 'onvif', address: '127.0.0.1', port: s.port, username: 'admin', password: s.password, profile: 'sub' });
  });

  it('inserts into the middle of a file when cameras is not the last section, leaving what follows as it was', async () => {
    const file = join(dir, 'demo-then-models.yaml');
    const demo = readFileSync(join(REPO, 'config/demo.yaml'), 'utf8').replace('../data/demo', join(dir, 'data'));
    const tail = '\n# thresholds, after the cameras on purpose\nmodels:\n  person: { min_score: 0.4 }   # aligned comment\n';
    writeFileSync(file, demo + tail);
    const { r } = await probed({ serial: 'X1' });
    await appendCameras(file, [r], { username: 'admin' });
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith(demo)).toBe(true);
    expect(text.endsWith(tail)).toBe(true);
    expect(text.slice(demo.length, -tail.length)).toMatch(/^ {2}# added by qmon discover .*\n {2}- id: cam-x1\n {4}name: SimCam SC-2021 \(127\.0\.0\.1\)\n/);
    const check = await checkConfig(file, { env: { QMON_CAM_CAM_X1_PASSWORD: 'pw' } });
    expect(check.errors).toEqual([]);
    expect(check.config?.cameras.map((c) => c.id)).toEqual(['walkway', 'cam-x1']);
    expect(check.config?.models.person.min_score).toBe(0.4);
  });

  it('skips devices already in the config, failed probes, and gives colliding ids a suffix', async () => {
    const file = exampleCopy();
    const { r: a } = await probed({ serial: 'SAME-SERIAL' });
    const { r: b } = await probed({ serial: 'SAME-SERIAL' });
    const { r: bad } = await probed({}, 'wrong');
    const first = await appendCameras(file, [a, b, bad], { username: 'admin' });
    expect(first.added.map((x) => x.id)).toEqual(['cam-same-serial', 'cam-same-serial-2']);
    expect(first.skipped).toEqual([{ address: `127.0.0.1:${bad.port}`, reason: expect.stringMatching(/wrong username or password/) as string }]);
    const again = await appendCameras(file, [a], { username: 'admin' });
    expect(again).toEqual({ added: [], skipped: [{ address: `127.0.0.1:${a.port}`, reason: 'already in the config' }] });
  });

  it('leaves the file untouched when the verify step finds problems', async () => {
    const file = exampleCopy();
    const before = readFileSync(file, 'utf8');
    const { r } = await probed();
    await expect(appendCameras(file, [r], { username: 'admin', verify: (tmp) => Promise.resolve([`${tmp}:1:1: cameras: broken`]) })).rejects.toThrow(
      new RegExp(`not written: .*\\n  ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:1: cameras: broken`),
    );
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('refuses a file that is not YAML or not a config', async () => {
    const { r } = await probed();
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'cameras: [\n');
    await expect(appendCameras(bad, [r], { username: 'admin' })).rejects.toThrow(ConfigWriteError);
    writeFileSync(bad, '- a list\n');
    await expect(appendCameras(bad, [r], { username: 'admin' })).rejects.toThrow(/not a facility config/);
    await expect(appendCameras(join(dir, 'missing.yaml'), [r], { username: 'admin' })).rejects.toThrow(/cannot read .*ENOENT/);
  });
});

describe('camera ids and sizes', () => {
  it('derives ids from the serial tail, else the discovery UUID, else the address', () => {
    const none = new Set<string>();
    expect(cameraIdFor({ address: '10.0.0.1', info: { serialNumber: 'AB_12/34' } }, none)).toBe('cam-ab-12-34');
    expect(cameraIdFor({ address: '10.0.0.1', endpoint: 'urn:uuid:4d454930-0000-1000-8000-001a2b3c4d5e' }, none)).toBe('cam-001a2b3c4d5e');
    expect(cameraIdFor({ address: '10.0.0.1' }, none)).toBe('cam-10-0-0-1');
    expect(cameraIdFor({ address: '10.0.0.1' }, new Set(['cam-10-0-0-1', 'cam-10-0-0-1-2']))).toBe('cam-10-0-0-1-3');
    expect(passwordEnvName('cam-ab-12')).toBe('QMON_CAM_CAM_AB_12_PASSWORD');
  });

  it('keeps detect sizes even and within 1280x720', () => {
    expect(detectSizeFor({ width: 704, height: 576 })).toEqual({ width: 704, height: 576 });
    expect(detectSizeFor({ width: 1920, height: 1080 })).toEqual({ width: 1280, height: 720 });
    expect(detectSizeFor({ width: 2592, height: 1944 })).toEqual({ width: 960, height: 720 });
    expect(detectSizeFor({ width: 641, height: 361 })).toEqual({ width: 640, height: 360 });
  });
});
