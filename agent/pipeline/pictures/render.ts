/**
 * Makes one picture (what the snapshot worker runs per job): the privacy-safe render of the events stage (faces
 * found in the crop and every head pixelated before the encoder sees a pixel, the encoded bytes searched for faces
 * again), then, for a violation's picture, the atomic write. Runs in the worker process; tests run it in-process.
 */
import sharp from 'sharp';
import { renderContext, renderSnapshot, writeSnapshotAtomic, type FaceSearch, type StripFrame } from '../../events/index.js';
import type { Box, Frame } from '../../shared/types.js';
import { FACE_SEARCH } from '../../vision/index.js';
import type { PictureJob, PictureReply } from './jobs.js';

/**
 * The face detector's search of a whole picture from a first zoom (vision's `FaceDetector.search`): snapshots are
 * searched from ×2 (the smallest faces BlazeFace finds, on a small crop), whole frames (previews, context pictures)
 * from ×1 (faces from ~12 px, a quarter of the cost: agent/vision/README.md, "Searching a whole picture for faces").
 */
export type ZoomedFaceSearch = (picture: Frame, topZoom: number) => Promise<readonly Box[]>;

/** First zooms of the face check by picture kind (vision's FACE_SEARCH.topZoom and previewTopZoom). */
export const CHECK_TOP_ZOOM: Readonly<Record<PictureJob['kind'], number>> = {
  snapshot: FACE_SEARCH.topZoom,
  context: FACE_SEARCH.previewTopZoom,
  preview: FACE_SEARCH.previewTopZoom,
};

/** The worker's answer to `job`: the picture, or the error that kept it from being made (never a partial picture). */
export async function answerJob(job: PictureJob, faces: ZoomedFaceSearch | null): Promise<PictureReply> {
  try {
    return await renderPicture(job, faces);
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Renders `job`. `faces` is the face detector's search (null without a face model: heads are still pixelated, nothing
 * is checked, which the agent never ships: it loads the model). The check searches the encoded picture, so no search
 * of the raw frame comes before it (what it would find, the check finds on the bytes that leave). Throws what the
 * render or the write throws.
 */
export async function renderPicture(job: PictureJob, faces: ZoomedFaceSearch | null): Promise<Extract<PictureReply, { ok: true }>> {
  const started = process.cpuUsage();
  const frame: Frame = {
    cameraId: job.cameraId,
    seq: 0,
    ts: 0,
    wallTs: 0,
    width: job.frame.width,
    height: job.frame.height,
    format: job.frame.format,
    pixels: Buffer.from(job.frame.pixels.buffer, job.frame.pixels.byteOffset, job.frame.pixels.byteLength),
  };
  const zoom = CHECK_TOP_ZOOM[job.kind];
  const search: FaceSearch | null = faces ? (picture) => faces(picture, zoom) : null;
  const check = search ? { faceCheck: search } : {};
  const shot = job.context
    ? await renderContext({
        moment: frame,
        people: job.people,
        others: job.others,
        faces: [],
        overlay: job.context.overlay,
        strip: await stripAround(frame, job),
        quality: job.quality,
        ...check,
      })
    : await renderSnapshot({ frame, people: job.people, faces: [], others: job.others, quality: job.quality, ...check });
  if (job.file) await writeSnapshotAtomic(job.file.dir, job.file.name, shot.jpeg);
  const used = process.cpuUsage(started);
  return {
    ok: true,
    sha256: shot.sha256,
    bytes: shot.jpeg.length,
    w: shot.w,
    h: shot.h,
    ...(job.file ? {} : { jpeg: shot.jpeg }),
    checkBlurred: shot.checkBlurred,
    cpuMs: (used.user + used.system) / 1000,
  };
}

/** The strip: the moments before, the frame itself (shrunk here), the moments after. */
async function stripAround(frame: Frame, job: PictureJob): Promise<StripFrame[]> {
  const kept = job.context?.strip ?? [];
  const toStrip = (m: (typeof kept)[number]): StripFrame => ({
    frame: { ...frame, width: m.width, height: m.height, format: 'rgb24', pixels: Buffer.from(m.pixels.buffer, m.pixels.byteOffset, m.pixels.byteLength) },
    persons: m.persons,
    offsetMs: m.offsetMs,
  });
  const w = kept[0]?.width ?? 160;
  const h = Math.round((frame.height * w) / frame.width);
  const k = w / frame.width;
  const small = await sharp(frame.pixels, { raw: { width: frame.width, height: frame.height, channels: frame.format === 'gray' ? 1 : 3 } })
    .resize(w, h, { fit: 'fill' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer();
  const persons = [...job.people, ...job.others].map((b) => ({ x1: b.x1 * k, y1: b.y1 * k, x2: b.x2 * k, y2: b.y2 * k }));
  const now: StripFrame = { frame: { ...frame, width: w, height: h, format: 'rgb24', pixels: small }, persons, offsetMs: 0 };
  return [...kept.filter((m) => m.offsetMs < 0).map(toStrip), now, ...kept.filter((m) => m.offsetMs > 0).map(toStrip)];
}

