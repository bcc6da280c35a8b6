import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { Box, Frame } from '../shared/types.js';
import { blurRegions, grow, headRegion, toRect, type RawImage, type Rect } from './blur.js';
import type { FaceSearch } from './face-check.js';
import { checkedEncode, SNAPSHOT_DEFAULTS } from './snapshot.js';

/** What the rule looked at, in the moment frame's pixels: drawn over the picture. */
export interface RuleOverlay {
  readonly lines: readonly { readonly id: string; readonly points: readonly [readonly [number, number], readonly [number, number]]; readonly direction: 'in' | 'out' | 'both' }[];
  readonly zones: readonly { readonly id: string; readonly polygon: readonly (readonly [number, number])[] }[];
  /** The line or zone of the violation: drawn bold; the others thin. */
  readonly lineId?: string;
  readonly zoneId?: string;
}

/** One small frame of the strip around the moment, already at strip size, with the persons in its own pixels. */
export interface StripFrame {
  readonly frame: Frame;
  readonly persons: readonly Box[];
  /** Milliseconds from the moment (negative: before). */
  readonly offsetMs: number;
}

export interface ContextInput {
  /** The violation's frame, whole; never modified. */
  readonly moment: Frame;
  /** The people the violation is about: boxed. */
  readonly people: readonly Box[];
  /** Every other person in the moment frame: their heads are pixelated too. */
  readonly others: readonly Box[];
  /** Faces found in the moment frame (pixelated, grown). */
  readonly faces: readonly Box[];
  readonly overlay: RuleOverlay;
  /** Frames around the moment, oldest first (may be empty). */
  readonly strip: readonly StripFrame[];
  /** Width of the picture. Default 640. */
  readonly width?: number;
  /** JPEG quality. Default 80. */
  readonly quality?: number;
  /** The face check every picture passes on its own encoded bytes (absent: no model). */
  readonly faceCheck?: FaceSearch;
}

export interface RenderedContext {
  readonly jpeg: Buffer;
  readonly w: number;
  readonly h: number;
  readonly sha256: string;
  /** Regions the face check still found and pixelated. */
  readonly checkBlurred: number;
}

export const CONTEXT_DEFAULTS = { width: 640, quality: 80, stripGap: 4 } as const;

/**
 * The guard's context picture of a violation: the whole frame, downscaled to `width`, with every face and every
 * person's head pixelated before anything is encoded, the people of the violation boxed, the rule's lines (with an
 * arrow to their `in` side) and zones drawn; beneath it a strip of the moments around it (each frame's heads
 * pixelated the same way). The frame at its shown size is searched for faces before anything is pixelated (the
 * heads cover faces only where the person detector boxed the person well) and what is found is pixelated before the
 * drawing goes on (a line across a face changes what the detector sees, not what a person sees); the encoded picture
 * then passes the same face check as a snapshot, on its own bytes: what it reports is pixelated until it reports
 * nothing (a picture that never converges is flattened, then refused).
 */
export async function renderContext(input: ContextInput): Promise<RenderedContext> {
  const width = input.width ?? CONTEXT_DEFAULTS.width;
  const quality = input.quality ?? CONTEXT_DEFAULTS.quality;
  const m = input.moment;
  if (m.format !== 'rgb24' || m.pixels.length !== m.width * m.height * 3) throw new RangeError(`context picture: the moment frame must be ${m.width}×${m.height} rgb24`);
  const scale = Math.min(1, width / m.width);
  const mw = Math.round(m.width * scale);
  const mh = Math.round(m.height * scale);
  // The whole frame is shown, faces of people the person detector missed or boxed loosely included (a portrait's
  // box starts at the hair, so its head region can end above the mouth): the shown size is searched for faces first,
  // and what is found is pixelated with the heads, at full resolution, before anything is encoded.
  const seen = input.faceCheck ? await facesAtSize(m, mw, mh, input.faceCheck) : [];
  const moment = await pixelatedResized(m, [...input.faces, ...seen].map((f) => grow(f, SNAPSHOT_DEFAULTS.faceGrow)), [...input.people, ...input.others], mw, mh);

  const n = input.strip.length;
  const gap = CONTEXT_DEFAULTS.stripGap;
  const sw = n > 0 ? Math.floor((mw - gap * (n - 1)) / n) : 0;
  const strips: { raw: Buffer; w: number; h: number }[] = [];
  for (const s of input.strip) {
    const sh = Math.max(1, Math.round((s.frame.height * sw) / s.frame.width));
    strips.push({ raw: await pixelatedResized(s.frame, [], s.persons, sw, sh), w: sw, h: sh });
  }
  const stripH = strips.reduce((a, s) => Math.max(a, s.h), 0);
  const h = mh + (n > 0 ? gap + stripH : 0);
  // The drawing goes on after the faces found at the shown size were pixelated (a line drawn across a face would
  // change what the detector sees there, not what a person sees). The strip is checked with the rest of the picture:
  // its frames are a fifth of the moment's width, so a face in them is a fifth of one in the moment; searched on its own
  // from ×2 it answered with 30–65 px "faces" in 93 px frames (vtest: the frames' pixelated heads and the walkway),
  // which would pixelate half of each frame for nothing.
  const composed = await sharp({ create: { width: mw, height: h, channels: 3, background: { r: 24, g: 24, b: 24 } } })
    .composite([
      { input: moment, raw: { width: mw, height: mh, channels: 3 }, left: 0, top: 0 },
      ...strips.map((s, i) => ({ input: s.raw, raw: { width: s.w, height: s.h, channels: 3 as const }, left: i * (sw + gap), top: mh + gap })),
      { input: Buffer.from(overlaySvg(input, scale, mw, mh)), left: 0, top: 0 },
    ])
    .removeAlpha()
    .raw()
    .toBuffer();
  const raw: RawImage = { data: composed, width: mw, height: h, channels: 3 };
  const { jpeg, checkBlurred } = await checkedEncode(raw, quality, input.faceCheck, 'context picture');
  return { jpeg, w: mw, h, sha256: createHash('sha256').update(jpeg).digest('hex'), checkBlurred };
}

/** Faces `search` finds in `f` shown at `w`×`h`, in `f`'s pixels. */
async function facesAtSize(f: Frame, w: number, h: number, search: FaceSearch): Promise<Box[]> {
  const shown = f.width === w && f.height === h ? f.pixels : await sharp(f.pixels, { raw: { width: f.width, height: f.height, channels: 3 } }).resize(w, h, { fit: 'fill' }).raw().toBuffer();
  const [kx, ky] = [f.width / w, f.height / h];
  return (await search({ ...f, width: w, height: h, pixels: shown })).map((b) => ({ x1: b.x1 * kx, y1: b.y1 * ky, x2: b.x2 * kx, y2: b.y2 * ky }));
}

/** A copy of `f` with `faces` and every person's head pixelated at full resolution, then resized to `w`×`h`. */
async function pixelatedResized(f: Frame, faces: readonly Box[], persons: readonly Box[], w: number, h: number): Promise<Buffer> {
  if (f.format !== 'rgb24') throw new RangeError('context picture: frames must be rgb24');
  const copy: RawImage = { data: Buffer.from(f.pixels), width: f.width, height: f.height, channels: 3 };
  const regions = [...faces, ...persons.map((p) => headRegion(p))].map((b) => toRect(b, f.width, f.height)).filter((r): r is Rect => r !== null);
  await blurRegions(copy, regions);
  if (w === f.width && h === f.height) return copy.data;
  return sharp(copy.data, { raw: { width: f.width, height: f.height, channels: 3 } }).resize(w, h, { fit: 'fill' }).raw().toBuffer();
}

/** The rule's lines and zones and the people's boxes as SVG over the moment (numbers only: nothing to escape). */
function overlaySvg(input: ContextInput, k: number, w: number, h: number): string {
  const p = (x: number): string => (x * k).toFixed(1);
  const parts: string[] = [];
  for (const z of input.overlay.zones) {
    const bold = z.id === input.overlay.zoneId;
    parts.push(
      `<polygon points="${z.polygon.map(([x, y]) => `${p(x)},${p(y)}`).join(' ')}" fill="rgb(255,170,0)" fill-opacity="${bold ? 0.18 : 0.06}" stroke="rgb(255,170,0)" stroke-width="${bold ? 3 : 1}"/>`,
    );
  }
  for (const l of input.overlay.lines) {
    const bold = l.id === input.overlay.lineId;
    const [[x1, y1], [x2, y2]] = l.points;
    const sw = bold ? 4 : 1.5;
    parts.push(`<line x1="${p(x1)}" y1="${p(y1)}" x2="${p(x2)}" y2="${p(y2)}" stroke="rgb(0,200,255)" stroke-width="${sw}"/>`);
    // The `in` side is the left of first → second (y down): the arrow points into it from the line's middle.
    const len = Math.hypot(x2 - x1, y2 - y1) || 1;
    const [nx, ny] = [(y2 - y1) / len, -(x2 - x1) / len];
    const [mx, my] = [(x1 + x2) / 2, (y1 + y2) / 2];
    // Lengths in frame pixels, so that on the picture the arrow is at most 60 px and its head 8 px.
    const reach = Math.min(60 / k, len / 4);
    const head = 8 / k;
    const [ax, ay] = [mx + nx * reach, my + ny * reach];
    const [bx, by] = [ax - nx * head, ay - ny * head];
    const [wx, wy] = [ny * head * 0.6, -nx * head * 0.6];
    parts.push(`<line x1="${p(mx)}" y1="${p(my)}" x2="${p(ax)}" y2="${p(ay)}" stroke="rgb(0,200,255)" stroke-width="${sw}"/>`);
    parts.push(`<polygon points="${p(ax)},${p(ay)} ${p(bx + wx)},${p(by + wy)} ${p(bx - wx)},${p(by - wy)}" fill="rgb(0,200,255)"/>`);
  }
  for (const b of input.others) parts.push(rectSvg(b, p, 'rgb(200,200,200)', 1));
  for (const b of input.people) parts.push(rectSvg(b, p, 'rgb(255,40,40)', 3));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${parts.join('')}</svg>`;
}

function rectSvg(b: Box, p: (x: number) => string, colour: string, width: number): string {
  return `<rect x="${p(b.x1)}" y="${p(b.y1)}" width="${p(b.x2 - b.x1)}" height="${p(b.y2 - b.y1)}" fill="none" stroke="${colour}" stroke-width="${width}"/>`;
}
