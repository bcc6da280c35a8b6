/**
 * Hardware decode options: the argument building as pure functions, the classification of device
 * failures from real ffmpeg 5.1 lines, and one real run each of `vaapi` on a render node that does
 * not exist (fails on any machine) and of `auto` (ffmpeg's own software fallback). Clip: lavfi
 * testsrc, generated here.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildFfmpegArgs,
  classifyFfmpegExit,
  FfmpegFrameSource,
  hwaccelArgs,
  hwaccelCanFail,
  type HwAccel,
} from '../../agent/decode/index.js';
import { makeClip, tempDir } from './media.js';

const RTSP_IN = { kind: 'rtsp', url: 'rtsp://10.0.0.5/stream1' } as const;
const OUT = { width: 160, height: 120, fps: 5 };
/** A render node no machine has, so the "hardware fails" path is real everywhere. */
const NO_GPU = '/dev/dri/renderD199';

describe('hwaccelArgs', () => {
  it.each([
    ['none', []],
    ['auto', ['-hwaccel', 'auto']],
    ['vaapi', ['-hwaccel', 'vaapi', '-hwaccel_device', '/dev/dri/renderD128']],
    ['qsv', ['-hwaccel', 'qsv', '-qsv_device', '/dev/dri/renderD128', '-c:v', 'h264_qsv']],
  ] as const)('%s → %j', (mode, args) => {
    expect(hwaccelArgs(mode)).toEqual(args);
  });

  it('uses the given render node', () => {
    expect(hwaccelArgs('vaapi', '/dev/dri/renderD129')).toContain('/dev/dri/renderD129');
  });

  it('rejects an unknown mode and a device that is not a /dev path, naming the setting', () => {
    expect(() => hwaccelArgs('cuda' as HwAccel)).toThrow(/hwaccel must be one of auto, none, vaapi, qsv \(got cuda\)/);
    expect(() => hwaccelArgs('vaapi', 'renderD128')).toThrow(/hwaccel device must be a \/dev path/);
    expect(() => hwaccelArgs('qsv', '/dev/dri/x; rm -rf /')).toThrow(/hwaccel device/);
  });

  it('only vaapi and qsv need the supervisor to fall back', () => {
    expect((['auto', 'none', 'vaapi', 'qsv'] as const).filter(hwaccelCanFail)).toEqual(['vaapi', 'qsv']);
  });

  it('puts the options before -i, where ffmpeg reads decoder options', () => {
    const args = buildFfmpegArgs(RTSP_IN, OUT, { hwaccel: 'vaapi' });
    const at = args.indexOf('-hwaccel');
    expect(at).toBeGreaterThan(-1);
    expect(at).toBeLessThan(args.indexOf('-i'));
    expect(buildFfmpegArgs(RTSP_IN, OUT)).not.toContain('-hwaccel'); // software by default
  });
});

describe('classifying hardware failures', () => {
  // As ffmpeg 5.1 prints them here (no /dev/dri), at -loglevel error.
  const VAAPI_FAIL = [
    '[AVHWDeviceContext] No VA display found for device /dev/dri/renderD128.',
    'Device creation failed: -22.',
    '[h264] No device available for decoder: device type vaapi needed for codec h264.',
    'Device setup failed for decoder on input stream #0:0 : Invalid argument',
  ];
  const QSV_FAIL = [
    'Device creation failed: -22.',
    "Failed to set value '/dev/dri/renderD128' for option 'qsv_device': Invalid argument",
    'Error parsing global options: Invalid argument',
  ];
  const ctx = { inputKind: 'rtsp', exitCode: 1, signal: null } as const;

  it.each([['vaapi', VAAPI_FAIL], ['qsv', QSV_FAIL]])('%s device errors are hwaccel_failed when the mode is strict', (_m, lines) => {
    const e = classifyFfmpegExit(lines, { ...ctx, hwaccelStrict: true });
    expect(e?.kind).toBe('hwaccel_failed');
    expect(e?.message).toMatch(/hardware decoding could not start.*hwaccel: none/);
  });

  it('ignores the device probing noise of `auto` and reports the real cause', () => {
    const lines = ['Device creation failed: -1.', 'Cannot open the X11 display .', 'rtsp://h/x: Server returned 404 Not Found'];
    expect(classifyFfmpegExit(lines, { ...ctx, hwaccelStrict: false })?.kind).toBe('not_found');
  });
});

describe('real ffmpeg runs', () => {
  let tmp: ReturnType<typeof tempDir>;
  let clip: string;
  beforeAll(() => {
    tmp = tempDir('hwaccel');
    clip = makeClip(join(tmp.dir, 'c.mp4'), { seconds: 1, width: 160, height: 120 });
  });
  afterAll(() => tmp.cleanup());

  const run = (hwaccel: HwAccel): FfmpegFrameSource => {
    const src = new FfmpegFrameSource({
      cameraId: 'hw',
      input: { kind: 'file', path: clip, loop: false, realtime: false },
      output: OUT,
      hwaccel,
      hwaccelDevice: NO_GPU,
    });
    src.start();
    return src;
  };

  it('vaapi on a missing render node exits with hwaccel_failed and no frames', async () => {
    const exit = await run('vaapi').exited;
    expect(exit.frames).toBe(0);
    expect(exit.error?.kind).toBe('hwaccel_failed');
    expect(exit.stderr.join('\n')).toMatch(/Device creation failed|No VA display/);
  });

  it('auto decodes in software by itself when no device works', async () => {
    const exit = await run('auto').exited;
    expect(exit.error).toBeNull();
    expect(exit.frames).toBe(5); // 1 s at 5 fps
  });
});
