// camera_tamper on a real recording: OpenCV's pedestrian clip (Debian package opencv-doc, 768×576,
// 10 fps), decoded by the system ffmpeg to 160×120 gray thumbnails at 5 fps. The "tampered" parts
// are made by ffmpeg from the same clip: a Gaussian blur (defocus) and a shifted crop (camera moved).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TamperRule } from '../../agent/rules/index.js';

const CLIP = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';
const W = 160;
const H = 120;
const run = promisify(execFile);

async function thumbnails(filter: string): Promise<Buffer[]> {
  const { stdout } = await run(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-i', CLIP, '-vf', `fps=5,${filter},scale=${W}:${H}`, '-pix_fmt', 'gray', '-f', 'rawvideo', 'pipe:1'],
    { encoding: 'buffer', maxBuffer: 64 << 20 },
  );
  const out: Buffer[] = [];
  for (let i = 0; i + W * H <= stdout.length; i += W * H) out.push(stdout.subarray(i, i + W * H));
  return out;
}

function play(frames: readonly Buffer[]): string[] {
  const rule = new TamperRule();
  const events: string[] = [];
  frames.forEach((gray, i) => {
    const ts = i * 200;
    const dets = { cameraId: 'walkway', frameSeq: i, ts, wallTs: ts, width: W, height: H, items: [] };
    for (const e of rule.update(dets, { ts, width: W, height: H, srcWidth: W, srcHeight: H, gray })) events.push(`${i} ${e.phase} ${e.reason}`);
  });
  return events;
}

describe('camera_tamper on a real clip (vtest.avi)', () => {
  it('reports nothing on the untouched 80 s clip with people walking, and catches a defocus and a move', async () => {
    // Cropped a little so the shifted version has the same size and content to slide over.
    const [plain, blurred, shifted] = await Promise.all([
      thumbnails('crop=700:540:0:0'),
      thumbnails(`crop=700:540:0:0,scale=${W}:${H},gblur=sigma=1.2`),
      thumbnails('crop=700:540:60:30'),
    ]);
    expect(plain.length).toBeGreaterThan(390);
    expect(play(plain)).toEqual([]);
    // Frames 150..299 (30 s..60 s) replaced: defocus confirmed 10 s in, cleared 3 s after it ends.
    expect(play([...plain.slice(0, 150), ...blurred.slice(150, 300), ...plain.slice(300)])).toEqual(['200 start defocused', '315 end defocused']);
    // Moved 60 px right and 30 px down at 30 s, and back at 60 s: each confirmed 5 s later.
    expect(play([...plain.slice(0, 150), ...shifted.slice(150, 300), ...plain.slice(300)])).toEqual(['175 instant moved', '325 instant moved']);
  });
});
