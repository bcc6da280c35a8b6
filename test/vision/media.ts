/**
 * Where the vision tests find real pictures, and the hand-made labels for them. Nothing here
 * downloads: the face-api photos come from `npm run models` (into .cache/test-media), the crowd
 * photos from the shared media folder beside the repository, darknet's from its Debian package.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Box, Frame } from '../../agent/shared/types.js';
import { readImageFrame } from '../support/image-frame.js';
import { faceApiSample } from '../../scripts/models/test-media.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const MASKED_CROWDS = join(ROOT, '..', 'shared', 'media', 'masked-crowds');
export const DARKNET_PERSON = '/usr/share/darknet/data/person.jpg';

export function maskedCrowd(name: 'img1.jpeg' | 'img2.jpeg' | 'img3.jpg' | 'img4.jpeg'): string {
  const p = join(MASKED_CROWDS, name);
  if (!existsSync(p)) throw new Error(`test picture ${p} is missing; the shared media folder ../shared/media/masked-crowds must sit beside the repository`);
  return p;
}

export function darknetPerson(): string {
  if (!existsSync(DARKNET_PERSON)) throw new Error(`test picture ${DARKNET_PERSON} is missing; install the Debian package darknet (apt-get install darknet)`);
  return DARKNET_PERSON;
}

export async function faceApiFrame(n: number): Promise<Frame> {
  return readImageFrame(faceApiSample(n), { cameraId: `face-api-${n}`, seq: n });
}

/** Unmasked faces a person counts in face-api's demo/sample1..6.jpg (frontal or three-quarter). */
export const FACE_API_FACES: Readonly<Record<number, number>> = { 1: 3, 2: 3, 3: 3, 4: 4, 5: 5, 6: 4 };

/**
 * img4.jpeg (1022x575): 4 rows × 4 pairs of passport photos of the same person, masked on the left
 * of each pair, unmasked on the right. Column bands (x ranges of face centres) by hand.
 */
export const IMG4_MASKED_X: readonly [number, number][] = [
  [40, 140],
  [280, 380],
  [520, 620],
  [765, 865],
];
export const IMG4_UNMASKED_X: readonly [number, number][] = [
  [150, 250],
  [390, 490],
  [630, 730],
  [875, 975],
];

/** img3.jpg (800x514): the one unmasked man's face, by hand; every other face there wears a mask. */
export const IMG3_UNMASKED_FACE: Box = { x1: 50, y1: 95, x2: 115, y2: 165 };

export function centre(b: Box): [number, number] {
  return [(b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2];
}

export function inside(b: Box, x: number, y: number): boolean {
  return x >= b.x1 && x <= b.x2 && y >= b.y1 && y <= b.y2;
}

/** Square tiles with 50 % overlap covering the frame: face search without person boxes. */
export function tiles(width: number, height: number, side: number): Box[] {
  const out: Box[] = [];
  for (let y = 0; y < height; y += side / 2) for (let x = 0; x < width; x += side / 2) out.push({ x1: x, y1: y, x2: x + side, y2: y + side });
  return out;
}
