/**
 * `npm run bench -- snapshot`: CPU per privacy-safe picture (renderSnapshot with the face check, as the agent makes
 * them), measured with process.cpuUsage around each render, one at a time, on one BlazeFace thread:
 *
 * - vtest crops: a line-crossing snapshot per person (up to 3 per frame, 20 frames of vtest.avi), cropped to the
 *   person as the Snapshotter crops it, every other person's head pixelated too;
 * - face-api sample1: the group of three, as the privacy test renders it, at the photo's 1920 px and at 768 px (what a
 *   camera at the usual detect size would give);
 * - a dashboard preview: a whole 768×576 vtest frame, every head pixelated (quality 70, as previews are made), searched
 *   from ×1 as previews are, from ×2 as snapshots are, and in tiles as before;
 * - a context picture: a whole vtest frame downscaled to 640×480, every head pixelated, searched from ×2 and from ×1;
 * - the check as it was before the size-free search (BlazeFace in overlapping 256×256 tiles half the picture's short
 *   side, the same rounds), on the first 20 vtest crops and the previews, for comparison on the same machine in the
 *   same run.
 *
 * Rows: CPU ms p50/p95/max per picture, model runs and model-input pixels (in 256×256 runs) per picture, searches per
 * picture (1 = the first search found nothing), regions the check pixelated. Numbers are reported, never asserted.
 */
import sharp from 'sharp';
import { renderSnapshot, type FaceSearch, type SnapshotInput } from '../../agent/events/index.js';
import type { Box, Frame } from '../../agent/shared/types.js';
import { FACE_SEARCH, FaceDetector, faceSearchPlan, planPixels, ModelRegistry, PersonDetector } from '../../agent/vision/index.js';
import { faceApiFrame } from '../../test/vision/media.js';
import { readVideoFrames, VTEST_AVI } from '../../test/support/video-frames.js';
import { quantile } from './detector.js';

export interface SnapshotBenchRow {
  [key: string]: unknown;
  picture: string;
  check: string;
  pictures: number;
  /** Typical (median) picture size, w×h. */
  size: string;
  cpu_ms_p50: number;
  cpu_ms_p95: number;
  cpu_ms_max: number;
  model_runs_p50: number;
  model_runs_p95: number;
  /** Model input pixels per picture, in 256×256 runs. */
  model_256_runs_p50: number;
  model_256_runs_p95: number;
  /** How many pictures needed 1, 2, 3, … searches. */
  searches: Record<string, number>;
  blurred_regions: number;
}

interface Counted {
  search: FaceSearch;
  /** Model runs and 256×256-equivalents since the last take(). */
  take(): { runs: number; px256: number };
}

export async function benchSnapshot(opts: { vtestFrames?: number } = {}): Promise<SnapshotBenchRow[]> {
  const registry = ModelRegistry.open();
  const persons = await PersonDetector.create({ registry, threads: 1 });
  const face = await FaceDetector.create({ registry, threads: 1 });
  try {
    const frames = opts.vtestFrames ?? 20;
    const idx = Array.from({ length: frames }, (_, i) => 100 + i * 10);
    const v = await readVideoFrames(VTEST_AVI, idx);
    const vtest = v.frames.map((pixels, i): Frame => ({ cameraId: 'vtest', seq: idx[i]!, ts: 0, wallTs: 0, width: v.width, height: v.height, format: 'rgb24', pixels }));
    const crops: SnapshotInput[] = [];
    const wholes: SnapshotInput[] = [];
    for (const frame of vtest) {
      const boxes = (await persons.detect(frame)).items.map((d) => d.box);
      for (const b of boxes.slice(0, 3)) crops.push({ frame, people: [b], faces: [], others: boxes.filter((o) => o !== b) });
      if (wholes.length < 5) wholes.push({ frame, people: [], faces: [], others: boxes, quality: 70 });
    }
    const contexts = await Promise.all(wholes.map((w) => downscaled(w, 640)));
    const sample = await faceApiFrame(1);
    const group = (await persons.detect(sample)).items.map((d) => d.box);
    const sampleCase: SnapshotInput = { frame: sample, people: group, faces: [] };
    const sampleSmall = await downscaled(sampleCase, 768);

    const sizedAt = (zoom: number) =>
      counted((p) => face.search(p, zoom).then((fs) => fs.map((f) => f.box)), (p) => {
        const plan = faceSearchPlan(p.width, p.height, zoom);
        return { runs: plan.reduce((n, l) => n + l.windows.length, 0), px256: planPixels(plan) / 65536 };
      });
    const sized = sizedAt(FACE_SEARCH.topZoom);
    const preview = sizedAt(FACE_SEARCH.previewTopZoom);
    const tiled = counted(tileSearch(face), (p) => {
      const n = tilesOf(p.width, p.height).length;
      return { runs: n, px256: n };
    });
    await measure(crops.slice(0, 3), sized); // warm-up: sessions, sharp
    return [
      await measure(crops, sized, 'vtest crop (line crossing)', 'size-free search'),
      await measure(crops.slice(0, 20), tiled, 'vtest crop (line crossing)', 'tiles half the short side (before)'),
      await measure([sampleCase, sampleCase, sampleCase], sized, 'face-api sample1, 1920 px photo', 'size-free search'),
      await measure([sampleSmall, sampleSmall, sampleSmall], sized, 'face-api sample1 at 768 px', 'size-free search'),
      await measure(wholes, preview, 'preview: whole 768x576 frame', 'size-free search from x1 (previews)'),
      await measure(wholes, sized, 'preview: whole 768x576 frame', 'size-free search from x2'),
      await measure(wholes, tiled, 'preview: whole 768x576 frame', 'tiles half the short side (before)'),
      await measure(contexts, sized, 'context: whole frame at 640x480', 'size-free search from x2'),
      await measure(contexts, preview, 'context: whole frame at 640x480', 'size-free search from x1'),
    ];
  } finally {
    await Promise.all([persons.close(), face.close()]);
  }
}

function counted(search: FaceSearch, cost: (p: Frame) => { runs: number; px256: number }): Counted {
  let runs = 0;
  let px256 = 0;
  return {
    search: (p) => {
      const c = cost(p);
      runs += c.runs;
      px256 += c.px256;
      return search(p);
    },
    take: () => {
      const out = { runs, px256 };
      runs = 0;
      px256 = 0;
      return out;
    },
  };
}

async function measure(cases: readonly SnapshotInput[], check: Counted, picture?: string, name?: string): Promise<SnapshotBenchRow> {
  const cpu: number[] = [];
  const runs: number[] = [];
  const px: number[] = [];
  const sizes: number[][] = [];
  const searches: Record<string, number> = {};
  let blurred = 0;
  for (const c of cases) {
    check.take();
    const t0 = process.cpuUsage();
    const shot = await renderSnapshot({ ...c, faceCheck: check.search });
    const t = process.cpuUsage(t0);
    cpu.push((t.user + t.system) / 1000);
    const work = check.take();
    runs.push(work.runs);
    px.push(work.px256);
    sizes.push([shot.w, shot.h]);
    searches[shot.checkSearches] = (searches[shot.checkSearches] ?? 0) + 1;
    blurred += shot.checkBlurred;
  }
  const r1 = (x: number) => Math.round(x * 10) / 10;
  const mid = [...sizes].sort((a, b) => a[0]! * a[1]! - b[0]! * b[1]!)[Math.floor(sizes.length / 2)]!;
  return {
    picture: picture ?? 'warm-up',
    check: name ?? '',
    pictures: cases.length,
    size: `${mid[0]}x${mid[1]}`,
    cpu_ms_p50: r1(quantile(cpu, 0.5)),
    cpu_ms_p95: r1(quantile(cpu, 0.95)),
    cpu_ms_max: r1(Math.max(...cpu)),
    model_runs_p50: quantile(runs, 0.5),
    model_runs_p95: quantile(runs, 0.95),
    model_256_runs_p50: r1(quantile(px, 0.5)),
    model_256_runs_p95: r1(quantile(px, 0.95)),
    searches,
    blurred_regions: blurred,
  };
}

/** `c` with its frame downscaled to `width` (sharp, area-averaging) and its boxes scaled with it. */
async function downscaled(c: SnapshotInput, width: number): Promise<SnapshotInput> {
  const f = c.frame;
  const k = width / f.width;
  const height = Math.round(f.height * k);
  const pixels = await sharp(f.pixels, { raw: { width: f.width, height: f.height, channels: 3 } }).resize(width, height, { fit: 'fill' }).raw().toBuffer();
  const scale = (b: Box): Box => ({ x1: b.x1 * k, y1: b.y1 * k, x2: b.x2 * k, y2: b.y2 * k });
  return { ...c, frame: { ...f, width, height, pixels }, people: c.people.map(scale), others: (c.others ?? []).map(scale) };
}

/** The check's search before the size-free model: BlazeFace in overlapping square tiles half the short side (≥ 16 px). */
function tileSearch(face: FaceDetector): FaceSearch {
  return async (p) => {
    const found: Box[] = [];
    for (const t of tilesOf(p.width, p.height)) for (const f of await face.detect(p, t)) found.push(f.box);
    return found;
  };
}

function tilesOf(width: number, height: number): Box[] {
  const side = Math.max(16, Math.min(width, height) * 0.5);
  const out: Box[] = [];
  for (let y = 0; y < height; y += side / 2) for (let x = 0; x < width; x += side / 2) out.push({ x1: x, y1: y, x2: Math.min(width, x + side), y2: Math.min(height, y + side) });
  return out;
}
