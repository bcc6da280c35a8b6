import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyseConfig, checkConfig, configHash, loadConfig } from '../../agent/config/index.js';
import { at, tempDir } from './helpers.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const VTEST = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';

describe('config/demo.yaml', () => {
  it('loads with no errors or warnings and points at the sample clip', async () => {
    // As `qmon run` loads it: the demo starts without warnings.
    expect((await analyseConfig(join(repo, 'config/demo.yaml'))).warnings).toEqual([]);
    // As `qmon check-config` checks it (a facility box's config): its embedded hub is the demo's, and said so.
    const r = await checkConfig(join(repo, 'config/demo.yaml'));
    expect(r.errors).toEqual([]);
    const text = readFileSync(join(repo, 'config/demo.yaml'), 'utf8');
    expect(r.warnings).toEqual([
      `${join(repo, 'config/demo.yaml')}:${at(text, 'url: embedded')}: hub.url: embedded is the demo's in-process hub: alerts stay on this machine and reach no national hub; a facility box needs the hub's mqtts:// URL (config/README.md, hub)`,
    ]);
    expect(r.ok).toBe(true);
    const cfg = r.config!;
    expect(cfg.facility.id).toBe('demo-01');
    expect(cfg.hub).toMatchObject({ url: 'embedded', mode: 'embedded', tls: null });
    expect(cfg.storage.dir).toBe(join(repo, 'data/demo'));
    expect(cfg.local).toMatchObject({ host: '127.0.0.1', port: 8080 });
    expect(cfg.cameras).toHaveLength(1);
    const cam = cfg.cameras[0]!;
    expect(cam.id).toBe('walkway');
    expect(cam.source).toEqual({ kind: 'file', path: VTEST, loop: true });
    expect(cam.detect).toEqual({ fps: 5, width: 768, height: 576, mode: 'regions' });
    expect(cam.rules.lines).toEqual([
      { id: 'walkway-centre', name: 'Giữa lối đi', severity: null, points: [[380, 150], [380, 560]], direction: 'both', min_frames: 3, cooldown_s: 30 },
    ]);
  });
});

describe('config/example.yaml', () => {
  // The example's TLS files are relative to the config file (/etc/qmon in production), so the test
  // copies it next to stand-in PEM files (armour only: not real certificates).
  const dir = tempDir();
  copyFileSync(join(repo, 'config/example.yaml'), join(dir, 'qmon.yaml'));
  writeFileSync(join(dir, 'hub-ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIBca\n-----END CERTIFICATE-----\n');
  writeFileSync(join(dir, 'facility.pem'), '-----BEGIN CERTIFICATE-----\nMIIBfac\n-----END CERTIFICATE-----\n');
  writeFileSync(join(dir, 'facility.key'), '-----BEGIN PRIVATE KEY-----\nMIIEkey\n-----END PRIVATE KEY-----\n');
  // The message-signing keys (real Ed25519: they are parsed), as `qmon keys generate` writes them.
  const signing = generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'facility-signing.pem'), signing.privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  writeFileSync(join(dir, 'hub-signing.pub.pem'), generateKeyPairSync('ed25519').publicKey.export({ format: 'pem', type: 'spki' }));
  const env = { CAM_A_PASSWORD: 'a-secret', CAM_B_PASSWORD: 'b-secret', CAM_YARD_PASSWORD: 'y@rd pass/1' };

  it('passes checkConfig with its env vars set', async () => {
    const r = await checkConfig(join(dir, 'qmon.yaml'), { env });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('resolves hub TLS, ONVIF and RTSP credentials, and scales rules to the detect size', async () => {
    const cfg = await loadConfig(join(dir, 'qmon.yaml'), { env });
    expect(cfg.hub).toMatchObject({ mode: 'mqtts', host: 'hub.example.gov.vn', port: 8883, ca: join(dir, 'hub-ca.pem'), key: join(dir, 'facility.key') });
    expect(cfg.hub.tls?.ca).toContain('MIIBca');
    expect(cfg.hub.tls?.key).toContain('MIIEkey');
    const [a, b, yard] = cfg.cameras;
    expect(a!.source).toEqual({ kind: 'onvif', address: '192.168.10.21', port: 80, username: 'operator', password: 'a-secret', profile: 'sub' });
    expect(b!.source).toMatchObject({ kind: 'onvif', port: 80, password: 'b-secret' });
    expect(yard!.source).toEqual({
      kind: 'rtsp',
      url: 'rtsp://admin:y%40rd%20pass%2F1@192.168.10.30:554/Streaming/Channels/102',
      redactedUrl: 'rtsp://admin:***@192.168.10.30:554/Streaming/Channels/102',
      transport: 'tcp',
    });
    // 1280x720 -> 768x432 is x0.6 on both axes.
    expect(a!.rules.lines[0]!.points).toEqual([[384, 120], [384, 420]]);
    expect(a!.rules.zones[0]!.polygon).toEqual([[0, 240], [180, 240], [180, 432], [0, 432]]);
    expect(a!.rules.schedule.allow_lines.map((w) => [w.start_min, w.end_min])).toEqual([[390, 420], [660, 720], [1020, 1080]]);
    // 1920x1080 -> 768x432 is x0.4; floor metres are not scaled.
    expect(yard!.rules.distancing).toEqual({
      min_distance_m: 1,
      min_duration_s: 10,
      calibration: { image: [[80, 400], [680, 400], [560, 208], [200, 208]], floor: [[0, 0], [10, 0], [10, 14], [0, 14]] },
      severity: null,
      enabled: true,
      disabled_reason: null,
    });
    expect(yard!.rules.gathering).toEqual({ zone: 'yard-centre', max_people: 4, min_duration_s: 10, clear_s: 10, severity: null });
    // Names guards read, and the exit line's and stairwell's severity; the mask rule keeps its default (info).
    expect(a!.rules.lines[0]).toMatchObject({ id: 'corridor-a-exit', name: 'Lối ra cầu thang A', severity: 'critical' });
    expect(a!.rules.zones[0]).toMatchObject({ id: 'stairwell', name: 'Cầu thang A', severity: 'critical' });
    expect(a!.rules).toMatchObject({ mask: true, mask_severity: null, tamper: true, tamper_severity: 'critical' });
    expect(configHash(cfg)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('fails without its env vars, naming each unset variable', async () => {
    const r = await checkConfig(join(dir, 'qmon.yaml'), { env: {} });
    expect(r.ok).toBe(false);
    const text = readFileSync(join(dir, 'qmon.yaml'), 'utf8');
    const f = join(dir, 'qmon.yaml');
    expect(r.errors).toEqual([
      `${f}:${at(text, 'password: env:CAM_A')}: cameras[0].source.onvif.password: environment variable CAM_A_PASSWORD is not set (from env:CAM_A_PASSWORD)`,
      `${f}:${at(text, 'password: env:CAM_B')}: cameras[1].source.onvif.password: environment variable CAM_B_PASSWORD is not set (from env:CAM_B_PASSWORD)`,
      `${f}:${at(text, 'password: env:CAM_YARD')}: cameras[2].source.password: environment variable CAM_YARD_PASSWORD is not set (from env:CAM_YARD_PASSWORD)`,
    ]);
  });
});
