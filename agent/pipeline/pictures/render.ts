/**
 * Makes one picture (what the snapshot worker runs per job): the privacy-safe render of the events stage (faces
 * found in the crop and every head pixelated before the encoder sees a pixel, the encoded bytes searched for faces
 * again), then, for a violation's picture, the atomic write. Runs in the worker process; tests run it in-process.
 */
import sharp from 'sharp';
import { cropRect, renderContext, renderSnapshot, SNAPSHOT_DEFAULTS, writeSnapshotAtomic, type FaceFinder, type StripFrame } from '../../events/index.js';
import type { Box, Frame } from '../../shared/types.js';
import type { PictureJob, PictureReply } from './jobs.js';

/** The worker's answer to `job`: the picture, or the error that kept it from being made (never a partial picture). */
export async function answerJob(job: PictureJob, faces: FaceFinder | null): Promise<PictureReply> {
  try {
    return await renderPicture(job, faces);
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Renders `job`. `faces` is the face detector (null without a face model: heads are still pixelated, nothing is
 * checked, which the agent never ships: it loads the model). Throws what the render or the write throws.
 */
export async function renderPicture(job: PictureJob, faces: FaceFinder | null): Promise<Extract<PictureReply, { ok: true }>> {
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
  const found = faces ? await faces(frame, regionOf(cropRect(job.people, SNAPSHOT_DEFAULTS.margin, frame.width, frame.height))) : [];
  const check = faces ? { faceCheck: faces } : {};
  const shot = job.context
    ? await renderContext({
        moment: frame,
        people: job.people,
        others: job.others,
        // The whole frame is shown, so faces are searched in the whole frame (`people` empty: no crop).
        faces: faces ? await faces(frame, regionOf(cropRect([], 0, frame.width, frame.height))) : [],
        overlay: job.context.overlay,
        strip: await stripAround(frame, job),
        quality: job.quality,
        ...check,
      })
    : await renderSnapshot({ frame, people: job.people, faces: found, others: job.others, quality: job.quality, ...check });
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

function regionOf(r: { x: number; y: number; w: number; h: number }): Box {
  return { x1: r.x, y1: r.y, x2: r.x + r.w, y2: r.y + r.h };
}
