/**
 * Makes one picture (what the snapshot worker runs per job): the privacy-safe render of the events stage (faces
 * found in the crop and every head pixelated before the encoder sees a pixel, the encoded bytes searched for faces
 * again), then, for a violation's picture, the atomic write. Runs in the worker process; tests run it in-process.
 */
import { cropRect, renderSnapshot, SNAPSHOT_DEFAULTS, writeSnapshotAtomic, type FaceFinder } from '../../events/index.js';
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
  const shot = await renderSnapshot({
    frame,
    people: job.people,
    faces: found,
    others: job.others,
    quality: job.quality,
    ...(faces ? { faceCheck: faces } : {}),
  });
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

function regionOf(r: { x: number; y: number; w: number; h: number }): Box {
  return { x1: r.x, y1: r.y, x2: r.x + r.w, y2: r.y + r.h };
}
