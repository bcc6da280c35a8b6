// `qmon draw-rules` on the demo camera: a real frame of OpenCV's pedestrian clip (Debian package
// opencv-doc) grabbed by the system ffmpeg, the rules drawn with sharp, compared with the raw frame.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { drawRulesCommand } from '../../agent/cli/draw-rules.js';
import { UserError } from '../../agent/cli/user-error.js';
import { OnvifSimulator } from '../camera/onvif/simulator.js';

const REPO = new URL('../../', import.meta.url).pathname;
const DEMO = join(REPO, 'config/demo.yaml');
const CLIP = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';
const W = 768;
const H = 576;
const dir = mkdtempSync(join(tmpdir(), 'qmon-draw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let stdout: string[] = [];
beforeEach(() => {
  stdout = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

/** The same frame ffmpeg gives draw-rules, without any drawing. */
function rawFrame(atS = 0): Buffer {
  return execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-ss', String(atS), '-i', CLIP, '-frames:v', '1', '-vf', `scale=${W}:${H}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'], {
    maxBuffer: 16 << 20,
  });
}

async function png(file: string): Promise<Buffer> {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  expect([info.width, info.height, info.channels]).toEqual([W, H, 3]);
  return data;
}

const px = (buf: Buffer, x: number, y: number): [number, number, number] => {
  const i = (y * W + x) * 3;
  return [buf[i]!, buf[i + 1]!, buf[i + 2]!];
};
const isRed = ([r, g, b]: [number, number, number]): boolean => r > 200 && g < 90 && b < 90;

/** A config like the demo's with one line drawn down the screen at x = 380 and the given direction. */
function demoWith(direction: string, name: string): string {
  const yaml = readFileSync(DEMO, 'utf8').replace(/^(\s*dir:).*$/m, `$1 ${join(dir, 'data')}`).replace('direction: both', `direction: ${direction}`);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

describe('qmon draw-rules on an onvif: source (what discover --write writes)', () => {
  const camLine = /^\s+file: .*$/m;
  let sim: OnvifSimulator;
  beforeEach(async () => {
    sim = await OnvifSimulator.start({ password: 'Sim-Secret-42' });
  });
  afterEach(async () => {
    await sim.stop();
    delete process.env.QMON_TEST_ONVIF_PW;
  });

  function onvifConfig(name: string): string {
    const yaml = readFileSync(DEMO, 'utf8')
      .replace(/^(\s*dir:).*$/m, `$1 ${join(dir, 'data')}`)
      .replace(camLine, `      onvif: { address: 127.0.0.1, port: ${sim.port}, username: admin, password: env:QMON_TEST_ONVIF_PW }`);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, yaml);
    return file;
  }

  it('resolves the stream as qmon run does, then grabs from it (no camera behind the simulator: a grab error, not a refusal)', async () => {
    process.env.QMON_TEST_ONVIF_PW = sim.password;
    const err = await drawRulesCommand(['--config', onvifConfig('onvif'), '--camera', 'walkway', '--out', join(dir, 'onvif.png')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^camera walkway: could not grab a frame/);
    expect((err as Error).message).not.toContain(sim.password);
  });

  it('says why when ONVIF refuses the password, without the password', async () => {
    process.env.QMON_TEST_ONVIF_PW = 'wrong-password';
    const err = await drawRulesCommand(['--config', onvifConfig('onvif-bad'), '--camera', 'walkway', '--out', join(dir, 'bad.png')]).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/could not get the stream address from ONVIF at 127\.0\.0\.1:\d+: auth_failed/);
    expect((err as Error).message).not.toContain('wrong-password');
  });
});

describe('qmon draw-rules', () => {
  it('draws the demo camera: a PNG of the detect size, the raw frame except where the rules are drawn', async () => {
    const out = join(dir, 'demo.png');
    expect(await drawRulesCommand(['--config', DEMO, '--camera', 'walkway', '--out', out])).toBe(0);
    expect(stdout.join('')).toContain(`${out}: 768×576, camera walkway: 1 line(s), 0 zone(s)`);
    const drawn = await png(out);
    const raw = rawFrame();
    // Along the line (x = 380, y 150..560) every sampled pixel is the line's red; the frame there is not.
    let onLine = 0;
    for (let y = 160; y <= 550; y += 10) {
      expect(isRed(px(drawn, 380, y)), `line pixel at y=${y}`).toBe(true);
      if (!isRed(px(raw, 380, y))) onLine++;
    }
    expect(onLine).toBeGreaterThan(30);
    // Far from anything drawn the PNG is the frame itself, pixel for pixel.
    for (const [x, y] of [[50, 50], [700, 500], [100, 450], [600, 100]] as const) expect(px(drawn, x, y)).toEqual(px(raw, x, y));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  // The line goes down the screen from (380,150) to (380,560): its left-hand side is the screen's
  // right (+x), so `in` points right. Its middle is (380, 355); arrows are ~10..40 px long at this size.
  it.each<[string, boolean, boolean]>([
    ['in', true, false],
    ['out', false, true],
    ['both', true, true],
  ])('direction %s: arrow on the right %s, on the left %s', async (direction, right, left) => {
    const out = join(dir, `arrow-${direction}.png`);
    expect(await drawRulesCommand(['--config', demoWith(direction, direction), '--camera', 'walkway', '--out', out, '--frame-at', '2'])).toBe(0);
    const drawn = await png(out);
    const raw = rawFrame(2);
    const arrowAt = (x: number): boolean => isRed(px(drawn, x, 355)) && !isRed(px(raw, x, 355));
    expect(arrowAt(380 + 25)).toBe(right);
    expect(arrowAt(380 - 25)).toBe(left);
    if (!left) expect(px(drawn, 380 - 25, 355)).toEqual(px(raw, 380 - 25, 355));
  });

  it.each<[string, string[], RegExp, number]>([
    ['no arguments', [], /usage: qmon draw-rules --config FILE --camera ID --out FILE\.png/, 2],
    ['an unknown option', ['--config', DEMO, '--camera', 'walkway', '--out', 'x.png', '--fps', '3'], /Unknown option '--fps'/, 2],
    ['an unknown camera', ['--config', DEMO, '--camera', 'lobby', '--out', join(dir, 'x.png')], /no camera "lobby" in .*demo\.yaml \(cameras: walkway\)/, 1],
    ['a negative --frame-at', ['--config', DEMO, '--camera', 'walkway', '--out', join(dir, 'x.png'), '--frame-at=-3'], /--frame-at: expected seconds >= 0, got "-3"/, 2],
    ['an --out that is not a PNG', ['--config', DEMO, '--camera', 'walkway', '--out', join(dir, 'x.jpg')], /--out: expected a \.png file name/, 2],
    ['an --out folder that does not exist', ['--config', DEMO, '--camera', 'walkway', '--out', join(dir, 'nope', 'x.png')], /--out: folder .*nope does not exist/, 1],
    ['a --frame-at past the end of the clip', ['--config', DEMO, '--camera', 'walkway', '--out', join(dir, 'x.png'), '--frame-at', '999'], /camera walkway: could not grab a frame: no frame at 999 s \(is the clip shorter\?\)/, 1],
    ['a config that does not load', ['--config', join(dir, 'missing.yaml'), '--camera', 'walkway', '--out', join(dir, 'x.png')], /missing\.yaml/, 1],
  ])('answers %s with a UserError', async (_name, argv, msg, exitCode) => {
    const err = await drawRulesCommand(argv).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(msg);
    expect((err as UserError).exitCode).toBe(exitCode);
    expect(existsSync(join(dir, 'x.png'))).toBe(false);
  });

  it('reports an unreachable RTSP camera without ever printing its password', async () => {
    process.env.QMON_TEST_CAM_PASSWORD = 'S3cret-pw!';
    const yaml = readFileSync(DEMO, 'utf8')
      .replace(/^(\s*dir:).*$/m, `$1 ${join(dir, 'data')}`)
      .replace(/file: \/usr\/share\/doc\/opencv-doc\/examples\/data\/vtest\.avi.*$/m, 'rtsp: rtsp://127.0.0.1:9/stream\n      username: admin\n      password: env:QMON_TEST_CAM_PASSWORD');
    const file = join(dir, 'rtsp.yaml');
    writeFileSync(file, yaml);
    try {
      const err = await drawRulesCommand(['--config', file, '--camera', 'walkway', '--out', join(dir, 'rtsp.png')]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(/^camera walkway: could not grab a frame: /);
      expect((err as Error).message).not.toContain('S3cret');
      expect((err as Error).message).toMatch(/could not connect to the camera/);
      expect(stdout.join('')).not.toContain('S3cret');
    } finally {
      delete process.env.QMON_TEST_CAM_PASSWORD;
    }
  });
});
