/**
 * Test pictures that come from npm packages, fetched by the setup step (`npm run models`) into
 * .cache/test-media so that no test downloads anything. Tests find them with `testMediaPath()` and
 * fail with the fix when they are absent.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NpmModelSource } from './npm-source.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TEST_MEDIA_DIR = join(ROOT, '.cache', 'test-media');

/** @vladmandic/face-api's demo photos: groups of 3–5 people with frontal, unmasked faces (MIT). */
export const FACE_API_SAMPLES: NpmModelSource = {
  spec: '@vladmandic/face-api@1.7.15',
  integrity: 'sha512-WDMmK3CfNLo8jylWqMoQgf4nIst3M0fzx1dnac96wv/dvMTN4DxC/Pq1DGtduDk1lktCamQ3MIDXFnvrdHTXDw==',
  files: [
    { path: 'package/demo/sample1.jpg', sha256: '8ecae4b267b2d3169e06e00c7dee97097aa2a94635d45216f7732a5f4943cb51' },
    { path: 'package/demo/sample2.jpg', sha256: '7d2b60ae6f13bf30f422e04df87451081a02c83de469056f25afb44b7000c691' },
    { path: 'package/demo/sample3.jpg', sha256: '8eb081c9efb14370fa94d9feab9e5fbeafd19a627491853a80c2bf67f7ffa936' },
    { path: 'package/demo/sample4.jpg', sha256: '729efa5923061d40eb4ed5f267a18cc7b8ba6f852bb2757b16d8b7e4937476fc' },
    { path: 'package/demo/sample5.jpg', sha256: '6d45095ebb182d8f975c0790e0e4eefd86fbb40609cf4b271776d92e12662938' },
    { path: 'package/demo/sample6.jpg', sha256: '9baad80f9d5e306fb9b8c0913d44445f1e95848df317530efb03d0934c57ba87' },
  ],
};
export const FACE_API_DIR = join(TEST_MEDIA_DIR, 'face-api');

/** Path of `package/demo/sampleN.jpg`, or an error that says how to get it. */
export function faceApiSample(n: number): string {
  const member = FACE_API_SAMPLES.files[n - 1];
  if (!member) throw new RangeError(`face-api has demo samples 1..${FACE_API_SAMPLES.files.length}, not ${n}`);
  return requireMedia(join(FACE_API_DIR, member.path));
}

export function requireMedia(path: string): string {
  if (!existsSync(path)) throw new Error(`test picture ${path} is missing; run \`npm run models\` (it fetches the test media into .cache/test-media)`);
  return path;
}
