import type { Box, Detection, Detections, MonoMs } from '../shared/types.js';
import { greedyAssign, iou, type Candidate } from './association.js';
import { BoxFilter } from './box-filter.js';
import { withinReach, type Reach } from './reach.js';
import { resolveTrackerOptions, type ResolvedTrackerOptions, type TrackerOptions } from './options.js';

export interface TrackUpdate {
  /** The input detections, as a new immutable value; only those on confirmed tracks carry `trackId`. */
  readonly detections: Detections;
  /** Ids of confirmed tracks that ended with this frame (lost for longer than `lost_s`), ascending. */
  readonly expired: number[];
}

interface Track {
  /** Public id, given on confirmation; tentative tracks have none so ids stay dense and meaningful. */
  id: number | null;
  readonly cls: string;
  readonly filter: BoxFilter;
  hits: number;
  /** Detect frames since this track was last matched. */
  missed: number;
  /** Centre of the box it was last matched to. */
  seenAt: { x: number; y: number };
  /**
   * Raw velocity between its last two sightings (px/frame); null after one. The distance gate
   * uses it rather than the filter's, which lags for a few frames after a stop or a turn.
   */
  stride: { x: number; y: number } | null;
}

/**
 * ByteTrack-style multi-object tracker for one camera.
 *
 * Per frame: predict every track one step with its constant-velocity filter, then
 *  1. match high-score detections to all tracks by IoU with the predicted box;
 *  2. match what is left of both by centre distance within a speed gate (tracks seen in the last
 *     two frames only) — this keeps ids at 2 fps, where a walking person's boxes in consecutive
 *     frames often do not overlap at all;
 *  3. match low-score detections to confirmed tracks that were seen last frame, by IoU (ByteTrack's
 *     second stage: a partly occluded person scores low but is still that person);
 *  4. start tentative tracks from unmatched high-score detections.
 * Assignment is greedy (see association.ts). A tentative track that misses two frames is dropped; a
 * confirmed one is kept for `lost_s`, then reported in `expired` and forgotten, so memory holds
 * only live tracks. Ids increase and are never reused.
 */
export class Tracker {
  private readonly opts: ResolvedTrackerOptions;
  private tracks: Track[] = [];
  private nextId = 1;
  private cameraId: string | null = null;
  private lastTs: MonoMs | null = null;

  constructor(options: TrackerOptions) {
    this.opts = resolveTrackerOptions(options);
  }

  /** Tracks held now (tentative, visible and lost); for tests and metrics. */
  get size(): number {
    return this.tracks.length;
  }

  /** The number of confirmation hits in effect (from `min_hits` or `confirm_s` × fps). */
  get minHits(): number {
    return this.opts.minHits;
  }

  update(dets: Detections): TrackUpdate {
    this.checkCamera(dets.cameraId);
    const step = this.framesSinceLast(dets.ts);
    for (const t of this.tracks) t.filter.predict(step);

    const { highScore, lowScore } = this.opts;
    const high: number[] = [];
    const low: number[] = [];
    dets.items.forEach((d, i) => {
      if (!isUsable(d)) return;
      if (d.score >= highScore) high.push(i);
      else if (d.score >= lowScore) low.push(i);
    });

    const trackOf = new Map<number, Track>(); // detection index → track
    const free = new Set(this.tracks);
    const assign = (pairs: Array<[number, number]>, ts: Track[], ds: number[]): void => {
      for (const [ti, di] of pairs) {
        const t = ts[ti]!;
        trackOf.set(ds[di]!, t);
        free.delete(t);
      }
    };

    // 1. High-score detections against every track, by IoU.
    let ts = [...free];
    assign(greedyAssign(this.iouCandidates(ts, high, dets.items, this.opts.matchIou)), ts, high);
    // 2. Leftovers by centre distance within a speed gate.
    ts = [...free];
    const ds = high.filter((i) => !trackOf.has(i));
    assign(greedyAssign(this.distanceCandidates(ts, ds, dets.items, step)), ts, ds);
    // 3. Low-score detections against confirmed tracks that were seen last frame.
    ts = [...free].filter((t) => t.id !== null && t.missed === 0);
    assign(greedyAssign(this.iouCandidates(ts, low, dets.items, this.opts.lowMatchIou)), ts, low);

    for (const [di, t] of trackOf) {
      const box = dets.items[di]!.box;
      const frames = t.missed + step;
      const at = centreOf(box);
      t.filter.correct(box, frames);
      t.stride = { x: (at.x - t.seenAt.x) / frames, y: (at.y - t.seenAt.y) / frames };
      t.seenAt = at;
      t.hits++;
      t.missed = 0;
      if (t.id === null && t.hits >= this.opts.minHits) t.id = this.nextId++;
    }

    const expired: number[] = [];
    const kept: Track[] = [];
    for (const t of this.tracks) {
      if (free.has(t)) {
        t.missed += step;
        // A tentative track may miss one frame (at 2 fps a single detector miss would otherwise
        // delay confirmation past the line the person is walking to); two and it was noise.
        if (t.id === null) {
          if (t.missed > 1) continue;
        } else if (t.missed / this.opts.fps > this.opts.lostS) {
          expired.push(t.id);
          continue;
        }
      }
      kept.push(t);
    }
    // 4. New tentative tracks.
    for (const di of high) {
      if (trackOf.has(di)) continue;
      const d = dets.items[di]!;
      const t: Track = { id: null, cls: d.cls, filter: new BoxFilter(d.box), hits: 1, missed: 0, seenAt: centreOf(d.box), stride: null };
      if (this.opts.minHits <= 1) t.id = this.nextId++;
      trackOf.set(di, t);
      kept.push(t);
    }
    this.tracks = kept;

    const items = dets.items.map((d, i) => withTrackId(d, trackOf.get(i)?.id ?? null));
    const detections: Detections = Object.freeze({ ...dets, items: Object.freeze(items) });
    return { detections, expired: expired.sort((a, b) => a - b) };
  }

  private checkCamera(cameraId: string): void {
    if (this.cameraId === null) this.cameraId = cameraId;
    else if (cameraId !== this.cameraId) {
      throw new Error(
        `tracker of camera "${this.cameraId}" was given detections of camera "${cameraId}"; ` +
          'track ids are per camera, so use one Tracker per camera',
      );
    }
  }

  /**
   * Detect frames since the previous update, from the timestamps: dropped frames (latest-frame-wins
   * capture) and pauses still age lost tracks in real time. Never less than one, so a stream with
   * bad timestamps still ages tracks and memory stays flat.
   */
  private framesSinceLast(ts: MonoMs): number {
    const prev = this.lastTs;
    this.lastTs = ts;
    if (prev === null || !Number.isFinite(ts)) return 1;
    return Math.max(1, Math.round(((ts - prev) * this.opts.fps) / 1000));
  }

  private iouCandidates(
    tracks: Track[],
    detIdx: number[],
    items: readonly Detection[],
    minIou: number,
  ): Candidate[] {
    const out: Candidate[] = [];
    tracks.forEach((t, ti) => {
      const pred = t.filter.box();
      detIdx.forEach((i, di) => {
        const d = items[i]!;
        if (d.cls !== t.cls) return;
        const score = iou(pred, d.box);
        if (score >= minIou) out.push({ t: ti, d: di, score });
      });
    });
    return out;
  }

  private distanceCandidates(
    tracks: Track[],
    detIdx: number[],
    items: readonly Detection[],
    step: number,
  ): Candidate[] {
    const out: Candidate[] = [];
    tracks.forEach((t, ti) => {
      const c = t.filter.centre();
      const h = t.filter.height();
      // Only for tracks seen in one of the last two frames: a track lost for longer is re-found by
      // IoU with its prediction only, or it would grab a newcomer who appears near where it vanished.
      if (t.missed > 1) return;
      const frames = t.missed + step;
      const reach: Reach = {
        velocity: t.stride,
        frames,
        sinceSeenS: Math.min(1, frames / this.opts.fps),
        stepS: Math.min(1, step / this.opts.fps),
        maxSpeed: this.opts.maxSpeed * h,
      };
      detIdx.forEach((i, di) => {
        const d = items[i]!;
        if (d.cls !== t.cls) return;
        const dh = d.box.y2 - d.box.y1;
        if (dh < h / 2 || dh > h * 2) return; // a different-sized box is a different person
        const m = centreOf(d.box);
        const dx = m.x - t.seenAt.x;
        const dy = m.y - t.seenAt.y;
        if (!withinReach(dx, dy, reach)) return;
        // Rank by closeness to the prediction, or to where it was seen for one who stopped.
        const dist = Math.min(Math.hypot(dx, dy), Math.hypot(m.x - c.x, m.y - c.y));
        out.push({ t: ti, d: di, score: -dist });
      });
    });
    return out;
  }
}

function centreOf(b: Box): { x: number; y: number } {
  return { x: (b.x1 + b.x2) / 2, y: (b.y1 + b.y2) / 2 };
}

/** A box the tracker can reason about; anything else passes through untracked. */
function isUsable(d: Detection): boolean {
  const b: Box = d.box;
  return (
    Number.isFinite(d.score) &&
    Number.isFinite(b.x1) &&
    Number.isFinite(b.y1) &&
    Number.isFinite(b.x2) &&
    Number.isFinite(b.y2) &&
    b.x2 > b.x1 &&
    b.y2 > b.y1
  );
}

function withTrackId(d: Detection, id: number | null): Detection {
  if (id === null) {
    if (d.trackId === undefined) return d;
    // An id from upstream is not ours to pass on; rules must only see this tracker's ids.
    const { trackId: _ignored, ...rest } = d;
    return rest;
  }
  return { ...d, trackId: id };
}
