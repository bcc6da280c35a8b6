/** Secret references resolve; secret values never reach messages, format() or the config hash. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, checkConfig, configHash, loadConfig, redactConfig } from '../../agent/config/index.js';
import { resolveSecret } from '../../agent/config/secrets.js';
import { BASE, at, edit, tempDir, writeConfig } from './helpers.js';

const dir = tempDir();
const PW = 'Pa55:w/rd@cam 1'; // every character class the URL encoder must handle

const rtsp = (password: string): string =>
  edit(BASE, '      file: clip.mp4', `      rtsp: rtsp://10.0.0.7:554/Streaming/Channels/102\n      username: admin\n      password: ${password}`);

describe('resolveSecret', () => {
  const ctx = { env: { CAM_PW: PW, EMPTY: '' }, baseDir: dir };

  it('env:NAME, file:PATH (relative to the config, trailing newlines removed) and literals', async () => {
    writeFileSync(join(dir, 'pw.txt'), `${PW}\r\n\n`);
    writeFileSync(join(dir, 'spaces.txt'), '  keep spaces  \n');
    expect(await resolveSecret('env:CAM_PW', ctx)).toEqual({ ok: true, value: PW, ref: { kind: 'env', name: 'CAM_PW' } });
    expect(await resolveSecret('file:pw.txt', ctx)).toEqual({ ok: true, value: PW, ref: { kind: 'file', path: 'pw.txt' } });
    expect(await resolveSecret(`file:${join(dir, 'spaces.txt')}`, ctx)).toMatchObject({ ok: true, value: '  keep spaces  ' });
    expect(await resolveSecret('plain', ctx)).toEqual({ ok: true, value: 'plain', ref: { kind: 'literal' } });
  });

  it('unset or empty env vars, unreadable files and malformed references are errors naming the reference', async () => {
    expect(await resolveSecret('env:NOPE', ctx)).toEqual({ ok: false, error: 'environment variable NOPE is not set (from env:NOPE)' });
    expect(await resolveSecret('env:EMPTY', ctx)).toEqual({ ok: false, error: 'environment variable EMPTY is empty (from env:EMPTY)' });
    expect(await resolveSecret('env:1-bad', ctx)).toEqual({ ok: false, error: 'expected env:NAME with NAME like CAM_A_PASSWORD, got "env:1-bad"' });
    expect(await resolveSecret('file:', ctx)).toEqual({ ok: false, error: 'expected file:PATH, got "file:" with no path' });
    expect(await resolveSecret('file:absent.txt', ctx)).toEqual({
      ok: false,
      error: `cannot read ${join(dir, 'absent.txt')} (from file:absent.txt): no such file`,
    });
    expect(await resolveSecret(`file:${dir}`, ctx)).toEqual({ ok: false, error: `cannot read ${dir} (from file:${dir}): it is a directory` });
    writeFileSync(join(dir, 'blank.txt'), '\n');
    expect(await resolveSecret('file:blank.txt', ctx)).toEqual({ ok: false, error: `${join(dir, 'blank.txt')} is empty (from file:blank.txt)` });
  });
});

describe('secrets in the loaded config', () => {
  it('builds the RTSP URL with URL-encoded credentials and a redacted twin', async () => {
    const cfg = await loadConfig(writeConfig(dir, rtsp('env:CAM_PW')), { env: { CAM_PW: PW } });
    expect(cfg.cameras[0]!.source).toEqual({
      kind: 'rtsp',
      url: 'rtsp://admin:Pa55%3Aw%2Frd%40cam%201@10.0.0.7:554/Streaming/Channels/102',
      redactedUrl: 'rtsp://admin:***@10.0.0.7:554/Streaming/Channels/102',
      transport: 'tcp',
    });
    // The encoding round-trips: what ffmpeg URL-decodes is the password.
    expect(decodeURIComponent(new URL(cfg.cameras[0]!.source.kind === 'rtsp' ? cfg.cameras[0]!.source.url : '').password)).toBe(PW);
  });

  it('reads a password from file: relative to the config file', async () => {
    writeFileSync(join(dir, 'cam.pass'), `${PW}\n`);
    const cfg = await loadConfig(writeConfig(dir, rtsp('file:cam.pass')), { env: {} });
    expect(cfg.cameras[0]!.source).toMatchObject({ url: expect.stringContaining('admin:Pa55%3Aw%2Frd%40cam%201@') as unknown });
  });

  it('an unset env var and an unreadable file are errors at the key, in format() too', async () => {
    const text = rtsp('env:CAM_PW').replace('cameras:\n', 'cameras:\n  - id: cam-0\n    source: { onvif: { address: 10.0.0.8, username: op, password: "file:/nonexistent/pw" } }\n    detect: { width: 640, height: 480 }\n');
    const file = writeConfig(dir, text);
    const err = (await loadConfig(file, { env: {} }).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.format().split('\n')).toEqual([
      `${file}:${at(text, 'password: "file')}: cameras[0].source.onvif.password: cannot read /nonexistent/pw (from file:/nonexistent/pw): no such file`,
      `${file}:${at(text, 'password: env')}: cameras[1].source.password: environment variable CAM_PW is not set (from env:CAM_PW)`,
    ]);
  });

  it('never echoes a secret in errors: wrong type, URL with credentials, YAML syntax error on the password line', async () => {
    const cases = [
      rtsp('987654321'), // a number, not a string
      edit(BASE, '      file: clip.mp4', `      rtsp: rtsp://admin:${encodeURIComponent(PW)}@10.0.0.7/x`),
      edit(BASE, 'url: embedded', `url: mqtts://bg:${encodeURIComponent(PW)}@hub.example`),
      rtsp(`"${PW}`), // unclosed quote
      rtsp(`${PW}\n      onvif: 5`).replace('detect:', 'detect_typo:'), // errors elsewhere while a literal is present
      // A credentialed URL long enough to be truncated, pasted where a plain string is checked.
      edit(BASE, '      file: clip.mp4', `      onvif: { address: "rtsp://admin:${encodeURIComponent(PW)}-and-more-padding@10.0.0.7/x", username: a, password: env:X }`),
    ];
    for (const text of cases) {
      const file = writeConfig(dir, text);
      const r = await checkConfig(file, { env: {} });
      expect(r.ok).toBe(false);
      const out = [...r.errors, ...r.warnings].join('\n');
      expect(out).not.toBe('');
      for (const needle of ['987654321', PW, encodeURIComponent(PW), 'Pa55']) expect(out).not.toContain(needle);
      const err = (await loadConfig(file, { env: {} }).catch((e: unknown) => e)) as ConfigError;
      expect(err.format()).not.toContain('Pa55');
    }
  });
});

// These configs use the embedded hub (helpers.ts BASE): checked as `qmon run` loads them, so the embedded-hub
// warning of a facility box's check (samples.test.ts) does not hide the one under test.
const AS_RUN = { env: {}, facilityBox: false } as const;

describe('checkConfig warnings', () => {
  it('a literal password works but is flagged', async () => {
    const text = rtsp('hunter2');
    const file = writeConfig(dir, text);
    const r = await checkConfig(file, AS_RUN);
    expect(r.ok).toBe(true);
    expect(r.warnings).toEqual([`${file}:${at(text, 'password')}: cameras[0].source.password: literal password in the config file; use env:NAME or file:/path`]);
    expect(r.warnings.join()).not.toContain('hunter2');
  });

  it('distancing without calibration is disabled with a note; other advisories', async () => {
    const text = edit(
      edit(BASE, '    rules:', '    size: [1280, 720]\n    rules:'),
      '      lines:',
      '      distancing: { min_distance_m: 1.5 }\n      zones:\n        - id: idle\n          polygon: [[0, 400], [300, 400], [300, 700]]\n      lines:',
    ).replace('[[320, 100], [320, 470]]', '[[640, 200], [640, 700]]');
    const file = writeConfig(dir, text);
    const r = await checkConfig(file, AS_RUN);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      `${file}:${at(text, 'detect')}: cameras[0].detect: detect size 640x480 has a different shape from size [1280, 720]; the picture will be stretched (people look wider or thinner to the detector)`,
      `${file}:${at(text, 'distancing')}: cameras[0].rules.distancing: distancing disabled on camera "cam-1": no calibration (add calibration: 4 image points and their floor positions in metres)`,
      `${file}:${at(text, 'id: idle')}: cameras[0].rules.zones[0]: zone "idle" has no rule: set intrusion: true, loitering_s, or name it in gathering.zone`,
    ]);
    expect(r.config!.cameras[0]!.rules.distancing).toMatchObject({ enabled: false, calibration: null, min_distance_m: 1.5 });
    expect(r.config!.cameras[0]!.rules.distancing!.disabled_reason).toContain('no calibration');
  });

  /** Without message-signing keys, a real hub gets both warnings (keyed on the sections, not on lines that are absent). */
  const UNSIGNED_WARNINGS = (file: string) => [
    expect.stringMatching(new RegExp(`^${file}:\\d+:\\d+: hub\\.public_key: not set: ACKs and commands are accepted unsigned`)) as unknown as string,
    expect.stringMatching(new RegExp(`^${file}:\\d+:\\d+: facility\\.signing_key: not set: events are sent unsigned`)) as unknown as string,
  ];

  it('plain mqtt:// to another machine is flagged; to loopback it is not', async () => {
    const remote = writeConfig(dir, edit(BASE, 'url: embedded', 'url: mqtt://hub.example'));
    const warned = (await checkConfig(remote)).warnings;
    expect(warned).toHaveLength(3);
    expect(warned).toEqual(
      expect.arrayContaining([
        `${remote}:4:3: hub.url: mqtt:// is unencrypted; a hub outside this machine needs mqtts:// with the hub's CA`,
        ...UNSIGNED_WARNINGS(remote),
      ]),
    );
    const local = writeConfig(dir, edit(BASE, 'url: embedded', 'url: mqtt://127.0.0.1:1884'));
    const r = await checkConfig(local);
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings).toEqual(expect.arrayContaining(UNSIGNED_WARNINGS(local)));
    expect(r.config?.hub).toMatchObject({ mode: 'mqtt', host: '127.0.0.1', port: 1884, tls: null });
  });
});

describe('configHash', () => {
  const load = async (text: string, env: NodeJS.ProcessEnv) => loadConfig(writeConfig(dir, text), { env });

  it('is stable, ignores secret values, and changes with settings', async () => {
    const a = await load(rtsp('env:CAM_PW'), { CAM_PW: PW });
    const a2 = await load(rtsp('env:CAM_PW'), { CAM_PW: PW });
    const otherPw = await load(rtsp('env:CAM_PW'), { CAM_PW: 'something-else' });
    const moved = await load(rtsp('env:CAM_PW').replace('[320, 470]', '[321, 470]'), { CAM_PW: PW });
    expect(configHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(configHash(a2)).toBe(configHash(a));
    expect(configHash(otherPw)).toBe(configHash(a));
    expect(configHash(moved)).not.toBe(configHash(a));
  });

  it('does not depend on key order in the file', async () => {
    const a = await load(BASE, {});
    const reordered = edit(BASE, 'detect: { fps: 5, width: 640, height: 480 }', 'detect: { height: 480, width: 640, fps: 5 }');
    expect(configHash(await load(reordered, {}))).toBe(configHash(a));
  });

  it('hashes a redacted copy: no password, key or credentialed URL in it', async () => {
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nCAPEM\n-----END CERTIFICATE-----\n');
    const text = edit(
      rtsp('env:CAM_PW').replace('cameras:\n', 'cameras:\n  - id: cam-0\n    source: { onvif: { address: 10.0.0.8, username: op, password: env:ONVIF_PW } }\n    detect: { width: 640, height: 480 }\n'),
      'url: embedded',
      'url: mqtts://hub.example\n  ca: ca.pem\n  cert: ca.pem\n  key: env:HUB_KEY\n  username: bg\n  password: env:HUB_PW',
    );
    const env = { CAM_PW: PW, ONVIF_PW: 'onvif-secret-42', HUB_PW: 'hub-secret-43', HUB_KEY: '-----BEGIN PRIVATE KEY-----\nKEYSECRET44\n-----END PRIVATE KEY-----' };
    const cfg = await load(text, env);
    const redacted = JSON.stringify(redactConfig(cfg));
    expect(redacted).not.toContain(PW);
    for (const secret of [encodeURIComponent(PW), 'onvif-secret-42', 'hub-secret-43', 'KEYSECRET44']) {
      expect(JSON.stringify(cfg)).toContain(secret); // present before redaction …
      expect(redacted).not.toContain(secret); // … and gone after
    }
    expect(redacted).toContain('CAPEM'); // the CA is not a secret, and its change should change the hash
    expect(redacted).toContain('rtsp://admin:***@10.0.0.7');
  });
});
