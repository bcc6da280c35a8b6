/**
 * The person detector run on regions instead of whole frames (regions.ts says how regions are chosen), for one or
 * many cameras. Per camera it keeps the gray thumbnail of the last frame it ran on (motion is measured against it,
 * so slow movement adds up), the tracked persons the pipeline reported after the previous frame (`observe`), and
 * which of them stand still (stationary.ts).
 *
 * Per frame: regions from the persons that need a look (every person the tracker has not confirmed yet, and the
 * confirmed ones that are not stationary) plus unexplained motion; none → no detector run (the answer
 * carries the stationary persons so their tracks live on, counted as gated). When the regions together would cost as
 * much as one whole-frame pass or more (`inputCost`: the model input's pixels for a picture of that size), the whole
 * frame runs instead: regions never make a frame dearer.
 */
import type { Box, Detection, Detections, Frame, Thumbnail } from '../shared/types.js';
import { motionBoxes } from './motion-boxes.js';
import { thumbnail } from './thumbnail.js';
import { buildRegions, mapFromRegion, mergeDetections, overlapShare } from './regions.js';
import { StationaryTracker, type StationaryOptions } from './stationary.js';

export interface RegionDetectorOptions {
  readonly detector: { detect(frame: Frame): Promise<Detections> };
  /** The smallest region side in frame pixels (Frigate: the model's input size). Default DEFAULT_REGION_SIDE. */
  readonly regionSide?: number;
  /**
   * The model input the detector feeds a picture of this size at (PersonDetector is one): what a pass costs.
   * Default: the picture's own size.
   */
  readonly sizing?: { inputSize(width: number, height: number): { width: number; height: number } };
  /** Gray thumbnail height and pixel threshold for motion, as the motion gate. Defaults 100 and 12. */
  readonly thumbHeight?: number;
  readonly pixelThreshold?: number;
  /** Stationary persons skipped (Frigate's semantics), or false to look at every tracked person every frame. */
  readonly stationary?: StationaryOptions | false;
  /** The whole frame is looked at at least this often (frame time, ms), so a person who walked in while the scene was
   *  busy elsewhere and then stood still, never tracked, is still found. Default 10 s. */
  readonly fullEveryMs?: number;
}

interface Tracked {
  /** Undefined while the tracker has not confirmed the person yet: always looked at. */
  readonly trackId: number | undefined;
  readonly box: Box;
  readonly score: number;
}

interface Camera {
  ref: Thumbnail | null;
  tracked: Tracked[];
  /** What the last run looked at: regions, or the whole frame. */
  looked: Box[] | 'frame' | null;
  lastFull: number;
  readonly stationary: StationaryTracker | null;
}

/**
 * 320: Frigate's model size, and here about half a whole 4:3 frame's pass (320² = 102,400 model pixels against
 * 512×384 = 196,608), so one region saves half a pass and two cost more than the frame. A lone walker in a 768×576
 * corridor view (≈ 60×150 px, region 1.35× → 203) fits with room to move; smaller regions cut more people at their
 * edges than they save (see the vision README for the measurement).
 */
export const DEFAULT_REGION_SIDE = 320;

export class RegionDetector {
  private readonly cameras = new Map<string, Camera>();
  private readonly thumbHeight: number;
  private readonly pixelThreshold: number;
  private readonly regionSide: number;

  constructor(private readonly opts: RegionDetectorOptions) {
    this.thumbHeight = opts.thumbHeight ?? 100;
    this.pixelThreshold = opts.pixelThreshold ?? 12;
    this.regionSide = opts.regionSide ?? DEFAULT_REGION_SIDE;
    if (!(this.regionSide >= 32)) throw new RangeError(`region detector regionSide must be ≥ 32, got ${this.regionSide}`);
  }

  /** The camera's tracked persons after a frame (the pipeline calls this after its tracker). */
  observe(d: Detections): void {
    const cam = this.camera(d.cameraId);
    cam.tracked = d.items.map((p) => ({ trackId: p.trackId, box: p.box, score: p.score }));
    const persons = d.items.filter((i): i is Detection & { trackId: number } => i.trackId !== undefined);
    const looked = cam.looked;
    cam.stationary?.observe(
      persons.map((p) => ({ trackId: p.trackId, box: p.box, looked: looked === 'frame' || (looked !== null && looked.some((r) => overlapShare(p.box, r) >= 0.5)) })),
      d.ts,
    );
    cam.looked = null;
  }

  async detect(frame: Frame): Promise<Detections> {
    const cam = this.camera(frame.cameraId);
    const thumb = thumbnail(frame, this.thumbHeight);
    const whole: Box = { x1: 0, y1: 0, x2: frame.width, y2: frame.height };
    const sameSize = cam.ref !== null && cam.ref.width === thumb.width && cam.ref.height === thumb.height;
    const motion = sameSize ? motionBoxes(cam.ref as Thumbnail, thumb, this.pixelThreshold) : [whole];
    const look = cam.tracked.filter((t) => t.trackId === undefined || !cam.stationary || cam.stationary.needsLook(t.trackId, frame.ts, motion));
    const resting = cam.tracked.filter((t) => !look.includes(t));
    const regions = buildRegions({ frame, minSide: this.regionSide, tracked: look.map((t) => t.box), motion });
    const base = { cameraId: frame.cameraId, frameSeq: frame.seq, ts: frame.ts, wallTs: frame.wallTs, width: frame.width, height: frame.height };
    const fullDue = frame.ts - cam.lastFull >= (this.opts.fullEveryMs ?? 10_000);
    if (regions.length === 0 && !fullDue) {
      return { ...base, items: resting.map(carried), work: { gated: true, regions: 0, stationarySkipped: resting.length } };
    }
    cam.ref = thumb;
    let found: Detection[];
    let inferred = 0;
    const regionsCost = regions.reduce((sum, r) => sum + this.cost(Math.round(r.x2) - Math.round(r.x1), Math.round(r.y2) - Math.round(r.y1)), 0);
    if (fullDue || regionsCost >= this.cost(frame.width, frame.height)) {
      found = [...(await this.opts.detector.detect(frame)).items];
      cam.looked = 'frame';
      cam.lastFull = frame.ts;
    } else {
      found = [];
      for (const r of regions) found.push(...mapFromRegion((await this.opts.detector.detect(crop(frame, r))).items, r));
      found = mergeDetections(found);
      inferred = regions.length;
      cam.looked = regions;
    }
    // Resting persons the run did not look at keep their last box, so their tracks (and the rules on them) go on.
    const keep = cam.looked === 'frame' ? [] : resting.filter((t) => !found.some((d) => overlapShare(t.box, d.box) >= 0.5));
    return { ...base, items: [...found, ...keep.map(carried)], work: { gated: false, regions: inferred, stationarySkipped: keep.length } };
  }

  /** Model-input pixels of one pass over a picture of this size. */
  private cost(width: number, height: number): number {
    const s = this.opts.sizing?.inputSize(width, height) ?? { width, height };
    return s.width * s.height;
  }

  private camera(id: string): Camera {
    let c = this.cameras.get(id);
    if (!c) {
      c = { ref: null, tracked: [], looked: null, lastFull: -Infinity, stationary: this.opts.stationary === false ? null : new StationaryTracker(this.opts.stationary ?? {}) };
      this.cameras.set(id, c);
    }
    return c;
  }
}

const carried = (t: Tracked): Detection => ({ box: t.box, score: t.score, cls: 'person' });

/** The region's pixels as a frame of their own (rgb24 or gray). */
export function crop(frame: Frame, r: Box): Frame {
  const ch = frame.format === 'gray' ? 1 : 3;
  const x1 = Math.round(r.x1);
  const y1 = Math.round(r.y1);
  const w = Math.round(r.x2) - x1;
  const h = Math.round(r.y2) - y1;
  const pixels = Buffer.alloc(w * h * ch);
  for (let y = 0; y < h; y++) {
    const src = ((y1 + y) * frame.width + x1) * ch;
    frame.pixels.copy(pixels, y * w * ch, src, src + w * ch);
  }
  return { ...frame, width: w, height: h, pixels };
}
