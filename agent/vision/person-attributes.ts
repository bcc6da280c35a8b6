/**
 * Adds `attributes.mask` to tracked persons: find the face in the head end of the person box,
 * classify the face crop. Runs after the tracker (it needs track ids) and before the rules.
 *
 * - "No face found", a face smaller than `minFacePx`, or a person too narrow to show such a face
 *   is `unknown`, never `no_mask`: the face detector misses many masked and turned-away faces.
 * - Once a track's state is confident (the last `confidentAfter` classifications agree with score
 *   ≥ `confidentScore`), it is re-classified only every `recheckEvery`th frame; the frames in
 *   between carry no mask attribute (the no_mask rule counts samples, not frames).
 * - At most `maxPerFrame` persons are classified per frame, tracks without a confident state first,
 *   so a crowd cannot make one frame take seconds.
 */
import type { Box, Detection, Detections, Frame, MaskState } from '../shared/types.js';
import type { Face } from './face-detector.js';

export interface FaceFinder {
  detect(frame: Frame, region: Box): Promise<readonly Face[]>;
}
export interface MaskScorer {
  /** P(no mask) for the face in the box. */
  classify(frame: Frame, faceBox: Box): Promise<number>;
}

export interface PersonAttributesOptions {
  readonly faces: FaceFinder;
  readonly masks: MaskScorer;
  /** Faces narrower than this (frame pixels) are unknown. Default 24 (ANALYTICS.md `min_face_px`). */
  readonly minFacePx?: number;
  /** Score that counts towards a confident state. Default 0.8 (the no_mask rule's threshold). */
  readonly confidentScore?: number;
  /** Agreeing confident classifications in a row that make a state confident. Default 3. */
  readonly confidentAfter?: number;
  /** A confident track is re-classified on every Nth frame. Default 5. */
  readonly recheckEvery?: number;
  /** Persons classified per frame at most. Default 6. */
  readonly maxPerFrame?: number;
}

export const PERSON_ATTRIBUTES_DEFAULTS = {
  minFacePx: 24,
  confidentScore: 0.8,
  confidentAfter: 3,
  recheckEvery: 5,
  maxPerFrame: 6,
} as const;

export interface PersonAttributesStats {
  /** Tracked persons classified (face found or not). */
  classified: number;
  /** Classifications that found a face big enough and ran the mask model. */
  faces: number;
  unknown: number;
  /** Tracked persons skipped because their state is confident (between rechecks). */
  skippedConfident: number;
  /** Tracked persons left for a later frame because of `maxPerFrame`. */
  deferred: number;
}

interface TrackState {
  /** Frames seen since the last classification (a large number for a new track). */
  since: number;
  /** Frame time the track was last seen, for dropping tracks nobody `forget`s. */
  seenAt: number;
  /** Current run of agreeing confident results. */
  streak: { state: MaskState; count: number } | null;
}

const NEW_TRACK_SINCE = 1e9;
const PRUNE_ABOVE = 512;
const STALE_MS = 10 * 60_000;

export type MaskAttribute = { readonly state: MaskState; readonly score: number };

/** The head end of a person box as a square: 1.5× the box width (capped by its height), centred on where a face sits. */
export function headRegion(person: Box): Box {
  const w = person.x2 - person.x1;
  const h = person.y2 - person.y1;
  const side = Math.min(1.5 * w, Math.max(h, w));
  const cx = (person.x1 + person.x2) / 2;
  const cy = person.y1 + 0.3 * Math.min(w, h);
  return { x1: cx - side / 2, y1: cy - side / 2, x2: cx + side / 2, y2: cy + side / 2 };
}

/**
 * The face that belongs to this person: centre inside the box's width and upper 60 %, preferring
 * confident faces near the box's centre line (a neighbour's face often shows in the head region).
 */
export function pickFace(person: Box, faces: readonly Face[]): Face | null {
  const w = person.x2 - person.x1;
  const h = person.y2 - person.y1;
  const cx = (person.x1 + person.x2) / 2;
  let best: Face | null = null;
  let bestValue = -Infinity;
  for (const f of faces) {
    const fx = (f.box.x1 + f.box.x2) / 2;
    const fy = (f.box.y1 + f.box.y2) / 2;
    if (fx < person.x1 || fx > person.x2 || fy < person.y1 - 0.1 * h || fy > person.y1 + 0.6 * h) continue;
    const value = f.score * (1 - Math.abs(fx - cx) / w);
    if (value > bestValue) {
      best = f;
      bestValue = value;
    }
  }
  return best;
}

export class PersonAttributes {
  readonly stats: PersonAttributesStats = { classified: 0, faces: 0, unknown: 0, skippedConfident: 0, deferred: 0 };
  private readonly o: Required<Omit<PersonAttributesOptions, 'faces' | 'masks'>>;
  private readonly tracks = new Map<string, TrackState>();

  constructor(private readonly parts: PersonAttributesOptions) {
    this.o = { ...PERSON_ATTRIBUTES_DEFAULTS, ...stripUndefined(parts) };
    const { minFacePx, confidentScore, confidentAfter, recheckEvery, maxPerFrame } = this.o;
    if (!(minFacePx > 0)) throw new RangeError(`minFacePx must be positive, got ${minFacePx}`);
    if (!(confidentScore >= 0.5 && confidentScore <= 1)) throw new RangeError(`confidentScore must be within 0.5..1, got ${confidentScore}`);
    for (const [k, v] of Object.entries({ confidentAfter, recheckEvery, maxPerFrame })) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`${k} must be a positive integer, got ${v}`);
    }
  }

  /**
   * The same detections with `attributes.mask` on the tracked persons classified this frame.
   * `frame` must be the frame the detections were made on (same camera, same size).
   */
  async annotate(frame: Frame, dets: Detections): Promise<Detections> {
    if (frame.cameraId !== dets.cameraId || frame.width !== dets.width || frame.height !== dets.height) {
      throw new Error(
        `person attributes: frame ${frame.cameraId} ${frame.width}x${frame.height} does not match detections ${dets.cameraId} ${dets.width}x${dets.height}`,
      );
    }
    const due: { i: number; key: string; st: TrackState; confident: boolean }[] = [];
    dets.items.forEach((d, i) => {
      if (d.trackId === undefined || d.cls !== 'person') return;
      const key = `${dets.cameraId}\u0000${d.trackId}`;
      let st = this.tracks.get(key);
      if (!st) this.tracks.set(key, (st = { since: NEW_TRACK_SINCE, seenAt: frame.ts, streak: null }));
      st.since++;
      st.seenAt = frame.ts;
      const confident = st.streak !== null && st.streak.count >= this.o.confidentAfter;
      if (confident && st.since < this.o.recheckEvery) {
        this.stats.skippedConfident++;
        return;
      }
      due.push({ i, key, st, confident });
    });
    this.prune(frame.ts);
    // Unconfident tracks first, then the longest-waiting.
    due.sort((a, b) => Number(a.confident) - Number(b.confident) || b.st.since - a.st.since);
    const results = new Map<number, MaskAttribute>();
    for (const [n, job] of due.entries()) {
      if (n >= this.o.maxPerFrame) {
        this.stats.deferred++;
        continue;
      }
      const attr = await this.classify(frame, (dets.items[job.i] as Detection).box);
      job.st.since = 0;
      this.record(job.st, attr);
      results.set(job.i, attr);
    }
    if (results.size === 0) return dets;
    return {
      ...dets,
      items: dets.items.map((d, i) => {
        const mask = results.get(i);
        return mask ? { ...d, attributes: { ...d.attributes, mask } } : d;
      }),
    };
  }

  /** Tracks the tracker has ended (its `expired` list) are forgotten. */
  forget(cameraId: string, trackIds: readonly number[]): void {
    for (const id of trackIds) this.tracks.delete(`${cameraId}\u0000${id}`);
  }

  /** A safety net for a caller that never calls `forget`: tracks unseen for STALE_MS go. */
  private prune(now: number): void {
    if (this.tracks.size <= PRUNE_ABOVE) return;
    for (const [k, st] of this.tracks) if (now - st.seenAt > STALE_MS) this.tracks.delete(k);
  }

  /** Number of tracks with state held (for tests and metrics). */
  get trackCount(): number {
    return this.tracks.size;
  }

  private async classify(frame: Frame, person: Box): Promise<MaskAttribute> {
    this.stats.classified++;
    // A face is at most about half as wide as the person box; a narrower box cannot hold one of minFacePx.
    if (person.x2 - person.x1 < 1.5 * this.o.minFacePx) return this.unknown();
    const face = pickFace(person, await this.parts.faces.detect(frame, headRegion(person)));
    if (!face || face.box.x2 - face.box.x1 < this.o.minFacePx) return this.unknown();
    const p = await this.parts.masks.classify(frame, face.box);
    this.stats.faces++;
    return p >= 0.5 ? { state: 'no_mask', score: p } : { state: 'mask', score: 1 - p };
  }

  private unknown(): MaskAttribute {
    this.stats.unknown++;
    return { state: 'unknown', score: 0 };
  }

  /** Unknown results leave the streak alone: a head turned away says nothing about the mask. */
  private record(st: TrackState, a: MaskAttribute): void {
    if (a.state === 'unknown') return;
    if (a.score < this.o.confidentScore) st.streak = null;
    else if (st.streak && st.streak.state === a.state) st.streak.count++;
    else st.streak = { state: a.state, count: 1 };
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'faces' && k !== 'masks')) as Partial<T>;
}
