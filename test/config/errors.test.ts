/**
 * Every kind of mistake gives its documented one-line message: file:line:col, key path, what was
 * expected and what was found. Positions are found in the text independently with `at()`.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, checkConfig, loadConfig } from '../../agent/config/index.js';
import { BASE, at, edit, tempDir, writeConfig } from './helpers.js';

const dir = tempDir();

/** The formatted errors for a config text, and a function that prefixes `file:` for expectations. */
async function errorsOf(text: string, env: NodeJS.ProcessEnv = {}) {
  const file = writeConfig(dir, text);
  const r = await checkConfig(file, { env });
  expect(r.ok).toBe(false);
  expect(r.config).toBeUndefined();
  return { errors: r.errors, warnings: r.warnings, f: (pos: string, rest: string) => `${file}:${pos}: ${rest}` };
}

describe('the base config used by these tests', () => {
  it('is valid, so each test below fails only for its own edit', async () => {
    const r = await checkConfig(writeConfig(dir, BASE), { env: {} });
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
  });
});

describe('unknown keys', () => {
  it('at the top level, with a spelling hint (and the now-missing section)', async () => {
    const text = edit(BASE, 'facility:', 'facilty:');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([
      f('1:1', 'facility: key "facility" is required (expected a mapping (key: value pairs))'),
      f('1:1', 'facilty: unknown key "facilty" (did you mean "facility"? allowed: facility, hub, storage, local, models, cameras)'),
    ]);
  });

  it('deep inside a camera rule', async () => {
    const text = edit(BASE, 'direction: in', 'direktion: in');
    const { errors, f } = await errorsOf(text);
    expect(at(text, 'direktion')).toBe('16:11');
    expect(errors).toEqual([
      f(
        '16:11',
        'cameras[0].rules.lines[0].direktion: unknown key "direktion" (did you mean "direction"? allowed: id, name, severity, points, direction, min_frames, cooldown_s)',
      ),
    ]);
  });

  it('one line per unknown key, each at its own position', async () => {
    const text = edit(BASE, '    detect: { fps: 5,', '    colour: red\n    detect: { fpss: 5, fps: 5,');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([
      f(at(text, 'colour'), 'cameras[0].colour: unknown key "colour" (allowed: id, name, enabled, source, detect, size, health, hwaccel, priority, rules)'),
      f(at(text, 'fpss'), 'cameras[0].detect.fpss: unknown key "fpss" (did you mean "fps"? allowed: fps, width, height, mode)'),
    ]);
  });

  it('an "insecure" switch on the hub is refused with the reason', async () => {
    const text = edit(BASE, 'url: embedded', 'url: embedded\n  insecure: true');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([
      f(
        at(text, 'insecure'),
        'hub.insecure: unknown key "insecure" (allowed: url, ca, cert, key, username, password, heartbeat_s, replay_rate_per_s, snapshot_upload, upload_port, public_key); certificate checks cannot be turned off',
      ),
    ]);
  });
});

describe('wrong values', () => {
  it('wrong type', async () => {
    const text = edit(BASE, 'fps: 5', 'fps: fast');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, 'fps'), 'cameras[0].detect.fps: expected a number, got "fast"')]);
  });

  it('wrong enum value', async () => {
    const text = edit(BASE, 'direction: in', 'direction: inn');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, 'direction'), 'cameras[0].rules.lines[0].direction: expected one of in, out, both, got "inn"')]);
  });

  it('YAML 1.1 booleans are not booleans', async () => {
    const text = edit(BASE, '      file: clip.mp4', '      file: { path: clip.mp4, loop: yes }');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, 'loop'), 'cameras[0].source.file.loop: expected true or false, got "yes"')]);
  });

  it('missing required key points at the mapping that lacks it', async () => {
    const text = edit(BASE, 'width: 640, ', '');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, 'detect'), 'cameras[0].detect.width: key "width" is required (expected a number)')]);
  });

  it('detect size must be even and within 1920x1080, fps within 1..30', async () => {
    const odd = edit(BASE, 'width: 640', 'width: 641');
    const r1 = await errorsOf(odd);
    expect(r1.errors).toEqual([r1.f(at(odd, 'width'), 'cameras[0].detect.width: expected an even number of pixels, got 641')]);
    const big = edit(BASE, 'fps: 5, width: 640', 'fps: 60, width: 4000');
    const r2 = await errorsOf(big);
    expect(r2.errors).toEqual([
      r2.f(at(big, 'fps'), 'cameras[0].detect.fps: expected a number at most 30, got 60'),
      r2.f(at(big, 'width'), 'cameras[0].detect.width: expected a number at most 1920, got 4000'),
    ]);
  });

  it('at least one camera', async () => {
    const text = BASE.slice(0, BASE.indexOf('cameras:')) + 'cameras: []\n';
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, 'cameras'), 'cameras: expected at least 1 camera')]);
  });

  it('at most 32 cameras per agent (what a heartbeat carries)', async () => {
    const cams = Array.from({ length: 33 }, (_, i) => `  - id: cam-${i + 1}\n    source:\n      file: clip.mp4\n`).join('');
    const text = BASE.slice(0, BASE.indexOf('cameras:')) + 'cameras:\n' + cams;
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, 'cameras'), 'cameras: expected at most 32 cameras per agent, got 33; run another agent for the rest')]);
  });
});

describe('lines and zones', () => {
  it('3 points for a line', async () => {
    const text = edit(BASE, '[[320, 100], [320, 470]]', '[[320, 100], [320, 470], [1, 2]]');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, 'points'), 'cameras[0].rules.lines[0].points: expected 2 points, got 3')]);
  });

  it('a point that is not [x, y]', async () => {
    const text = edit(BASE, '[[320, 100], [320, 470]]', '[[320, 100], 5]');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, '5]'), 'cameras[0].rules.lines[0].points[1]: expected a point [x, y], got 5')]);
  });

  it('a point outside the frame', async () => {
    const text = edit(BASE, '[320, 470]]', '[320, 500]]');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([
      f(at(text, '[320, 500]'), 'cameras[0].rules.lines[0].points[1]: point [320, 500] is outside the picture (size [640, 480]: x 0..640, y 0..480)'),
    ]);
  });

  it('a line at the top edge can never fire', async () => {
    const text = edit(BASE, '[[320, 100], [320, 470]]', '[[0, 20], [640, 60]]');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([
      f(
        at(text, 'points'),
        'cameras[0].rules.lines[0].points: the line lies entirely in the top 15 % of the picture (y < 72); feet (the bottom-centre of a person box) are about one person height below the top edge and never get there, so it can never fire',
      ),
    ]);
  });

  it('lines hugging the bottom, left or right edge can never fire', async () => {
    const cases = [
      ['[[0, 475], [640, 472]]', 'bottom edge (y > 470.4); there is no room below it'],
      ['[[5, 100], [12, 470]]', 'left edge (x < 12.8); there is no room beyond it'],
      ['[[630, 100], [640, 470]]', 'right edge (x > 627.2); there is no room beyond it'],
    ] as const;
    for (const [pts, why] of cases) {
      const text = edit(BASE, '[[320, 100], [320, 470]]', pts);
      const { errors, f } = await errorsOf(text);
      expect(errors).toEqual([
        f(at(text, 'points'), `cameras[0].rules.lines[0].points: the line lies entirely within 2 % of the ${why} to see feet on the far side, so it can never fire`),
      ]);
    }
    // Exactly on each margin (not inside it): accepted.
    for (const pts of ['[[0, 72], [640, 72]]', '[[0, 470.4], [640, 470.4]]', '[[12.8, 100], [12.8, 470]]', '[[627.2, 100], [627.2, 470]]']) {
      const ok = edit(BASE, '[[320, 100], [320, 470]]', pts);
      expect((await checkConfig(writeConfig(dir, ok), { env: {} })).errors).toEqual([]);
    }
  });

  it('a line with two identical points', async () => {
    const text = edit(BASE, '[[320, 100], [320, 470]]', '[[320, 100], [320, 100]]');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, 'points'), 'cameras[0].rules.lines[0].points: the two points are the same ([320, 100]); a line needs two different points')]);
  });

  const withZone = (polygon: string, id = 'z1'): string =>
    edit(BASE, '      lines:', `      zones:\n        - id: ${id}\n          polygon: ${polygon}\n          intrusion: true\n      lines:`);

  it('a self-intersecting polygon', async () => {
    const text = withZone('[[10, 100], [300, 400], [300, 100], [10, 400]]');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([
      f(at(text, 'polygon'), 'cameras[0].rules.zones[0].polygon: the polygon crosses itself (edge 0→1 meets edge 2→3); list the corners in order around the outline'),
    ]);
  });

  it('a polygon with fewer than 3 points, or with no area', async () => {
    const two = withZone('[[10, 100], [300, 400]]');
    const r1 = await errorsOf(two);
    expect(r1.errors).toEqual([r1.f(at(two, 'polygon'), 'cameras[0].rules.zones[0].polygon: expected at least 3 points, got 2')]);
    const flat = withZone('[[10, 100], [100, 100], [300, 100]]');
    const r2 = await errorsOf(flat);
    expect(r2.errors).toEqual([r2.f(at(flat, 'polygon'), 'cameras[0].rules.zones[0].polygon: the polygon has no area (all points are on one line)')]);
  });

  it('a polygon point outside the frame', async () => {
    const text = withZone('[[10, 100], [700, 100], [300, 400]]');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([
      f(at(text, '[700, 100]'), 'cameras[0].rules.zones[0].polygon[1]: point [700, 100] is outside the picture (size [640, 480]: x 0..640, y 0..480)'),
    ]);
  });

  it('duplicate rule ids on one camera', async () => {
    const text = withZone('[[10, 100], [300, 100], [300, 400]]', 'l1');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, 'id: l1'), 'cameras[0].rules.zones[0].id: duplicate rule id "l1" on camera "cam-1" (also used by rules.lines[0])')]);
  });

  it('a bad rule id', async () => {
    const text = edit(BASE, 'id: l1', 'id: Line_1');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, 'id: Line_1'), 'cameras[0].rules.lines[0].id: expected an id of lowercase letters, digits and "-" (up to 64), got "Line_1"')]);
  });

  it('gathering.zone must name a zone of the camera or whole-frame', async () => {
    const text = withZone('[[10, 100], [300, 100], [300, 400]]').replace('      lines:', '      gathering: { zone: yard, max_people: 3 }\n      lines:');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, 'zone: yard'), 'cameras[0].rules.gathering.zone: no zone "yard" on camera "cam-1" (expected whole-frame or one of z1)')]);
  });
});

describe('schedules and calibration', () => {
  it('schedule windows must be HH:MM-HH:MM with a length', async () => {
    const bad = edit(BASE, '      lines:', '      schedule: { allow_lines: ["11:00-12:60"] }\n      lines:');
    const r1 = await errorsOf(bad);
    expect(r1.errors).toEqual([
      r1.f(at(bad, '"11:00'), 'cameras[0].rules.schedule.allow_lines[0]: expected a time window "HH:MM-HH:MM" (24-hour, e.g. "11:00-12:30"), got "11:00-12:60"'),
    ]);
    const empty = edit(BASE, '      lines:', '      schedule: { allow_lines: ["22:00-06:00", "10:00-10:00"] }\n      lines:');
    const r2 = await errorsOf(empty);
    expect(r2.errors).toEqual([
      r2.f(at(empty, '"10:00'), 'cameras[0].rules.schedule.allow_lines[1]: "10:00-10:00" starts where it ends; a window must have a length and be shorter than a day'),
    ]);
  });

  it('a degenerate calibration is an error', async () => {
    const text = edit(
      BASE,
      '      lines:',
      '      distancing:\n        calibration: { image: [[0, 0], [100, 0], [200, 0], [0, 100]], floor: [[0, 0], [1, 0], [1, 1], [0, 1]] }\n      lines:',
    );
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([
      f(at(text, 'image'), 'cameras[0].rules.distancing.calibration.image: expected the 4 corners of a floor area in order around its edge (convex, no three on one line)'),
    ]);
  });

  it('calibration needs exactly 4 points on each side', async () => {
    const text = edit(BASE, '      lines:', '      distancing:\n        calibration: { image: [[0, 0], [100, 0], [100, 100]], floor: [[0, 0], [1, 0], [1, 1], [0, 1]] }\n      lines:');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, 'image'), 'cameras[0].rules.distancing.calibration.image: expected 4 points, got 3')]);
  });
});

describe('cameras and sources', () => {
  it('duplicate camera id', async () => {
    const text = edit(BASE, 'cameras:\n', 'cameras:\n  - id: cam-1\n    source: { file: clip.mp4 }\n    detect: { width: 640, height: 480 }\n');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, 'id: cam-1', 2), 'cameras[1].id: duplicate camera id "cam-1" (also used by cameras[0])')]);
  });

  it('exactly one source kind', async () => {
    const none = edit(BASE, '      file: clip.mp4', '      transport: tcp');
    const r1 = await errorsOf(none);
    expect(r1.errors).toEqual([
      r1.f(at(none, 'source'), 'cameras[0].source: expected exactly one of rtsp, onvif, file, got none'),
      r1.f(at(none, 'transport'), 'cameras[0].source.transport: only used with rtsp'),
    ]);
    const two = edit(BASE, '      file: clip.mp4', '      file: clip.mp4\n      rtsp: rtsp://10.0.0.9/x');
    const r2 = await errorsOf(two);
    expect(r2.errors).toEqual([r2.f(at(two, 'source'), 'cameras[0].source: expected exactly one of rtsp, onvif, file, got rtsp and file')]);
  });

  it('a video file that does not exist', async () => {
    const text = edit(BASE, 'file: clip.mp4', 'file: nope.mp4');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, 'file'), `cameras[0].source.file: cannot read video file ${join(dir, 'nope.mp4')}`)]);
  });

  it('a folder given as the video file (ffmpeg would only fail at run time)', async () => {
    const text = edit(BASE, 'file: clip.mp4', `file: ${tmpdir()}`);
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, 'file'), `cameras[0].source.file: ${tmpdir()} is a folder; expected a video file`)]);
  });

  it('an ONVIF address with a scheme', async () => {
    const text = edit(BASE, '      file: clip.mp4', '      onvif: { address: "http://10.0.0.2", username: op, password: env:P }');
    const { errors, f } = await errorsOf(text, { P: 'x' });
    expect(errors).toEqual([
      f(at(text, 'address'), 'cameras[0].source.onvif.address: expected a host name or IP address (no scheme, port or path, e.g. 192.168.10.21), got "http://10.0.0.2"'),
    ]);
  });
});

describe('facility and hub', () => {
  it('bad facility id, and the reserved id "hub"', async () => {
    const bad = edit(BASE, 'id: test-01', 'id: BG_01');
    const r1 = await errorsOf(bad);
    expect(r1.errors).toEqual([r1.f('2:3', 'facility.id: expected 3-32 lowercase letters, digits or "-", got "BG_01"')]);
    const hub = edit(BASE, 'id: test-01', 'id: hub');
    const r2 = await errorsOf(hub);
    expect(r2.errors).toEqual([r2.f('2:3', 'facility.id: "hub" is reserved for the hub itself')]);
  });

  it('bad hub URL', async () => {
    const text = edit(BASE, 'url: embedded', 'url: http://hub.example:1883');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f('4:3', 'hub.url: expected "embedded" or an mqtt:// or mqtts:// URL with a host, got "http://hub.example:1883"')]);
  });

  it('mqtts without a CA (and without client credentials)', async () => {
    const text = edit(BASE, 'url: embedded', 'url: mqtts://hub.example');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([
      f(at(text, 'hub'), "hub.ca: required for mqtts:// (the hub's CA certificate; certificate checks cannot be turned off)"),
      f(at(text, 'hub'), 'hub.cert: required for mqtts:// (client certificate + key), unless username and password are given'),
    ]);
  });

  it('mqtts with a CA and username/password needs no client certificate; a cert needs its key', async () => {
    writeConfig(dir, '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n', 'ca.pem');
    const ok = edit(BASE, 'url: embedded', 'url: mqtts://hub.example\n  ca: ca.pem\n  username: bg\n  password: env:HUBPW');
    const r = await checkConfig(writeConfig(dir, ok), { env: { HUBPW: 'pw' } });
    expect(r.errors).toEqual([]);
    expect(r.config?.hub).toMatchObject({ mode: 'mqtts', port: 8883, username: 'bg', password: 'pw', ca: join(dir, 'ca.pem') });
    const noKey = edit(BASE, 'url: embedded', 'url: mqtts://hub.example\n  ca: ca.pem\n  cert: ca.pem');
    const r2 = await errorsOf(noKey);
    expect(r2.errors).toEqual([r2.f(at(noKey, 'hub'), "hub.key: required with cert (the client certificate's private key)")]);
  });

  it('TLS files must be PEM and readable', async () => {
    writeConfig(dir, 'binary DER here', 'der.crt');
    const text = edit(BASE, 'url: embedded', 'url: mqtts://hub.example\n  ca: der.crt\n  cert: missing.pem\n  key: env:HUB_KEY');
    const { errors, f } = await errorsOf(text, { HUB_KEY: '-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----' });
    expect(errors).toEqual([
      f(at(text, 'ca:'), `hub.ca: ${join(dir, 'der.crt')} is not PEM text (expected "-----BEGIN …"; convert DER with openssl)`),
      f(at(text, 'cert:'), `hub.cert: cannot read ${join(dir, 'missing.pem')}: no such file`),
    ]);
  });
});

describe('files and YAML', () => {
  it('a YAML syntax error', async () => {
    const text = edit(BASE, 'points: [[320, 100], [320, 470]]', 'points: [[320, 100], [320, 470]');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f('16:11', 'YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]')]);
  });

  it('a duplicate YAML key', async () => {
    const text = edit(BASE, '  dir: ./data', '  dir: ./data\n  dir: ./other');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([f(at(text, 'dir', 2), 'storage.dir: duplicate key "dir" (each key may appear once in a mapping)')]);
  });

  it('a missing file, an empty file, a file that is not a mapping', async () => {
    const missing = join(dir, 'nope.yaml');
    expect((await checkConfig(missing)).errors).toEqual([`${missing}: cannot read the config file: no such file`]);
    const empty = writeConfig(dir, '\n# nothing here\n');
    expect((await checkConfig(empty)).errors).toEqual([`${empty}: the file is empty (expected facility, hub, storage, cameras, …)`]);
    const list = writeConfig(dir, '- a\n- b\n');
    expect((await checkConfig(list)).errors).toEqual([`${list}:1:1: expected a mapping with facility, hub, storage, local, models and cameras at the top level`]);
    expect((await checkConfig(dir)).errors).toEqual([`${dir}: cannot read the config file: it is a directory, not a file`]);
  });

  it('an alias to an unknown anchor', async () => {
    const file = writeConfig(dir, 'facility: *nope\n');
    expect((await checkConfig(file)).errors).toEqual([`${file}: YAML: Unresolved alias (the anchor must be set before the alias): nope`]);
  });
});

describe('loadConfig', () => {
  it('throws ConfigError whose format() is one line per issue, without a stack trace', async () => {
    const text = edit(edit(BASE, 'fps: 5', 'fps: fast'), 'direction: in', 'direction: inn');
    const file = writeConfig(dir, text);
    const err = await loadConfig(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    expect(ce.issues).toEqual([
      { file, path: 'cameras[0].detect.fps', line: 11, col: 15, message: 'expected a number, got "fast"' },
      { file, path: 'cameras[0].rules.lines[0].direction', line: 16, col: 11, message: 'expected one of in, out, both, got "inn"' },
    ]);
    expect(ce.format()).toBe(
      `${file}:11:15: cameras[0].detect.fps: expected a number, got "fast"\n${file}:16:11: cameras[0].rules.lines[0].direction: expected one of in, out, both, got "inn"`,
    );
    expect(ce.message).toBe(ce.format());
    expect(ce.format()).not.toMatch(/\n\s+at /);
  });
});
