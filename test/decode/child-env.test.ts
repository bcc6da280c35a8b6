/**
 * Issue #21 item 7: ffmpeg inherited the camera password of the agent's environment (`CAM_PW` in
 * `/proc/<ffmpeg>/environ`). A real ffmpeg child of FfmpegFrameSource is read back through /proc.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FFMPEG_ENV_KEYS, FfmpegFrameSource, ffmpegEnv } from '../../agent/decode/index.js';
import { makeClip, tempDir, waitFor } from './media.js';

const SECRET = 'camera-password-must-not-leak';
let tmp: ReturnType<typeof tempDir>;
let clip: string;

beforeAll(() => {
  tmp = tempDir('child-env');
  clip = makeClip(join(tmp.dir, 'clip.mp4'), { seconds: 2, width: 160, height: 120, rate: 10 });
});
afterAll(() => tmp.cleanup());

/** The environment of a running process, as the kernel keeps it. */
function environOf(pid: number): Map<string, string> {
  const raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  return new Map(raw.split('\0').filter((l) => l !== '').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

describe('the ffmpeg child’s environment', () => {
  it('a real ffmpeg child has PATH (and locale, time zone) but nothing else of the agent’s environment', async () => {
    process.env.CAM_PW = SECRET;
    process.env.QMON_HUB_PASSWORD = SECRET;
    process.env.TZ ??= 'UTC';
    try {
      const src = new FfmpegFrameSource({
        cameraId: 'cam-env',
        // Real time and looped: the child stays alive long enough to be looked at.
        input: { kind: 'file', path: clip, loop: true, realtime: true },
        output: { width: 80, height: 60, fps: 2 },
      });
      src.start();
      const pid = src.pid!;
      // Until the exec has happened the child is a copy of this process (its command line, its environment).
      await waitFor(() => readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('ffmpeg\0'), 'the child to exec ffmpeg', 5_000);
      const env = environOf(pid);
      await src.stop();
      expect([...env.keys()].filter((k) => !(FFMPEG_ENV_KEYS as readonly string[]).includes(k))).toEqual([]);
      expect(env.get('PATH')).toBe(process.env.PATH);
      expect(env.get('TZ')).toBe(process.env.TZ);
      expect([...env.values()].join('\n')).not.toContain(SECRET);
    } finally {
      delete process.env.CAM_PW;
      delete process.env.QMON_HUB_PASSWORD;
    }
  });

  it('ffmpegEnv keeps only the listed variables and gives a PATH when the agent has none', () => {
    expect(ffmpegEnv({ PATH: '/x', LANG: 'C.UTF-8', CAM_PW: 's', HOME: '/root', LIBVA_DRIVER_NAME: 'iHD' })).toEqual({ PATH: '/x', LANG: 'C.UTF-8', LIBVA_DRIVER_NAME: 'iHD' });
    expect(ffmpegEnv({ CAM_PW: 's' })).toEqual({ PATH: '/usr/local/bin:/usr/bin:/bin' });
  });
});
