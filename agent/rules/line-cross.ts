import type { Box, Detection, Detections, EpochMs, MonoMs, RuleEvent, Severity } from '../shared/types.js';
import { RuleConfigError } from './errors.js';
import { bottomCentre, LEFT, segmentsIntersect, sideOf, type Point, type Side } from './geometry.js';
import type { Rule } from './rule.js';

/** Bump when what counts as a crossing changes. */
export const LINE_CROSS_VERSION = 1;

/**
 * Which crossings of a line are violations. `in` = moving onto the LEFT-hand side of someone
 * walking along the line from its first point to its second, as drawn on the screen (y down):
 *
 *      points: [[640, 200], [640, 700]]        points: [[100, 300], [700, 300]]
 *
 *              1 (640,200)                               in ↑
 *              |                                 1 ─────────────────→ 2
 *      out ←   |   → in                                   out ↓
 *              v
 *              2 (640,700)
 *
 * The dashboard draws the `in` arrow along `leftNormal(first, second)`; see `sideOf` in geometry.ts.
 */
export type LineDirection = 'in' | 'out' | 'both';

/** One corridor line, in detect-resolution pixels (the config loader scales from the camera's `size`). */
export interface LineRuleConfig {
  readonly id: string;
  /** First and second point; `in` is the left-hand side walking from the first to the second on screen. */
  readonly points: readonly [Point, Point];
  /** Which crossings are violations. */
  readonly direction: LineDirection;
  /** Frames the anchor must stay on the new side before a crossing counts. */
  readonly min_frames?: number;
  /** A track reports at most one crossing per direction per this many seconds. */
  readonly cooldown_s?: number;
  /** How urgent its crossings are; null/absent: the type's default (see RuleEngine). */
  readonly severity?: Severity | null;
}

export interface LineCrossOptions {
  /** False while crossings are allowed (e.g. meal delivery windows); wall time, see schedule.ts. */
  readonly activeAt?: (wallTs: EpochMs) => boolean;
  /** Anchors averaged to damp box jitter at the feet. */
  readonly smoothFrames?: number;
  /** Safety net: forget a track not seen for this long even if its expiry was never reported. */
  readonly staleS?: number;
  /** Detection class that can cross. */
  readonly cls?: string;
}

export const LINE_DEFAULTS = { min_frames: 3, cooldown_s: 30, smoothFrames: 3, staleS: 120, cls: 'person' } as const;

interface Pending {
  readonly side: Exclude<Side, 0>;
  frames: number;
  /** Whether the anchor path passed through the segment (not beyond its ends) on the way over. */
  throughSegment: boolean;
}

interface TrackState {
  readonly recent: Point[];
  prev: Point | null;
  /** The side the track is settled on; 0 until it has been seen off the line. */
  side: Side;
  pending: Pending | null;
  lastIn: MonoMs | null;
  lastOut: MonoMs | null;
  reported: number;
  lastSeen: MonoMs;
}

/**
 * Corridor line crossing, as ANALYTICS.md defines it:
 * - anchor = bottom-centre of the box, averaged over the last `smoothFrames` frames;
 * - a crossing is the smoothed anchor changing side *through the segment* — the path between two
 *   consecutive anchors is tested against the segment, so a jump across at low fps still counts and
 *   walking round an end point does not — and then staying on the new side for `min_frames` frames;
 *   going back earlier cancels it (no event either way);
 * - an anchor exactly on the line belongs to neither side: it neither confirms nor cancels;
 * - a track's first side is wherever it is first seen, so a track born on the far side (an id
 *   switch mid-crossing) has no crossing: a known weakness of any per-track line counter;
 * - one event per track per direction per `cooldown_s`; crossings in an allowed window are not
 *   reported and do not start the cooldown;
 * - only detections with a `trackId` count.
 * The event carries the frame on which the crossing was confirmed (`min_frames` after the side
 * change), since that is when it is known.
 */
export class LineCrossRule implements Rule {
  readonly type = 'line_cross' as const;
  readonly version = LINE_CROSS_VERSION;
  readonly id: string;
  private readonly a: Point;
  private readonly b: Point;
  private readonly direction: LineDirection;
  private readonly minFrames: number;
  private readonly cooldownMs: number;
  private readonly smoothFrames: number;
  private readonly staleMs: number;
  private readonly cls: string;
  private readonly activeAt: (wallTs: EpochMs) => boolean;
  private readonly tracks = new Map<number, TrackState>();
  private lastSweep: MonoMs | null = null;

  constructor(config: LineRuleConfig, options: LineCrossOptions = {}) {
    const { id, a, b } = validateLine(config);
    this.id = id;
    this.a = a;
    this.b = b;
    this.direction = config.direction;
    this.minFrames = config.min_frames ?? LINE_DEFAULTS.min_frames;
    this.cooldownMs = (config.cooldown_s ?? LINE_DEFAULTS.cooldown_s) * 1000;
    this.smoothFrames = options.smoothFrames ?? LINE_DEFAULTS.smoothFrames;
    this.staleMs = (options.staleS ?? LINE_DEFAULTS.staleS) * 1000;
    this.cls = options.cls ?? LINE_DEFAULTS.cls;
    this.activeAt = options.activeAt ?? (() => true);
    if (!Number.isInteger(this.smoothFrames) || this.smoothFrames < 1) {
      throw new RuleConfigError(`line "${id}": smoothFrames must be an integer >= 1 (got ${this.smoothFrames})`);
    }
    if (!(this.staleMs > 0)) throw new RuleConfigError(`line "${id}": staleS must be > 0`);
  }

  update(dets: Detections): RuleEvent[] {
    const events: RuleEvent[] = [];
    const seen = new Set<number>();
    for (const d of dets.items) {
      if (d.trackId === undefined || d.cls !== this.cls || seen.has(d.trackId)) continue;
      seen.add(d.trackId);
      const e = this.step(d, d.trackId, dets);
      if (e) events.push(e);
    }
    this.sweepStale(dets.ts);
    return events;
  }

  endTracks(trackIds: readonly number[]): RuleEvent[] {
    for (const id of trackIds) this.tracks.delete(id);
    return [];
  }

  stateSize(): number {
    return this.tracks.size;
  }

  private step(d: Detection, trackId: number, dets: Detections): RuleEvent | null {
    let s = this.tracks.get(trackId);
    if (!s) {
      s = { recent: [], prev: null, side: 0, pending: null, lastIn: null, lastOut: null, reported: 0, lastSeen: dets.ts };
      this.tracks.set(trackId, s);
    }
    s.lastSeen = dets.ts;
    const raw = bottomCentre(d.box);
    if (!Number.isFinite(raw[0]) || !Number.isFinite(raw[1])) return null;
    s.recent.push(raw);
    if (s.recent.length > this.smoothFrames) s.recent.shift();
    const anchor = mean(s.recent);
    const prev = s.prev;
    s.prev = anchor;
    const side = sideOf(this.a, this.b, anchor);
    const through = prev !== null && segmentsIntersect(prev, anchor, this.a, this.b);

    if (side === 0) {
      // On the line: it neither confirms nor cancels, but a path that reached the line through the
      // segment is remembered by the next step, whose path starts on the line.
      return null;
    }
    if (s.side === 0) {
      s.side = side;
      return null;
    }
    if (side === s.side) {
      s.pending = null; // came back before min_frames: a flicker, nothing happened
      return null;
    }
    if (s.pending === null) s.pending = { side, frames: 0, throughSegment: false };
    s.pending.frames++;
    s.pending.throughSegment ||= through;
    if (s.pending.frames < this.minFrames) return null;

    const crossed = s.pending.throughSegment;
    s.side = side;
    s.pending = null;
    // Walked round an end of the segment: now on the other side, but no crossing.
    if (!crossed) return null;
    return this.report(s, side === LEFT ? 'in' : 'out', trackId, d, dets);
  }

  private report(s: TrackState, dir: 'in' | 'out', trackId: number, d: Detection, dets: Detections): RuleEvent | null {
    if (this.direction !== 'both' && this.direction !== dir) return null;
    if (!this.activeAt(dets.wallTs)) return null;
    const last = dir === 'in' ? s.lastIn : s.lastOut;
    if (last !== null && dets.ts - last < this.cooldownMs) return null;
    if (dir === 'in') s.lastIn = dets.ts;
    else s.lastOut = dets.ts;
    s.reported++;
    const box: Box = d.box;
    return {
      type: 'line_cross',
      phase: 'instant',
      key: `${this.id}:${trackId}:${dir}:${s.reported}`,
      rule: { id: this.id, version: this.version },
      cameraId: dets.cameraId,
      ts: dets.ts,
      wallTs: dets.wallTs,
      trackIds: [trackId],
      boxes: [box],
      people: 1,
      confidence: d.score,
      lineId: this.id,
      direction: dir,
    };
  }

  /** Once a second at most: drop tracks whose expiry never arrived (a bug upstream must not leak). */
  private sweepStale(now: MonoMs): void {
    if (this.lastSweep !== null && now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [id, s] of this.tracks) if (now - s.lastSeen > this.staleMs) this.tracks.delete(id);
  }
}

function mean(points: readonly Point[]): Point {
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p[0];
    y += p[1];
  }
  return [x / points.length, y / points.length];
}

function validateLine(c: LineRuleConfig): { id: string; a: Point; b: Point } {
  const id = typeof c.id === 'string' ? c.id : '';
  if (id.length === 0) throw new RuleConfigError('line rule: id must be a non-empty string');
  const where = `line "${id}"`;
  const pts: readonly unknown[] = Array.isArray(c.points) ? c.points : [];
  const isPoint = (p: unknown): p is Point =>
    Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v));
  const [a, b] = pts;
  if (pts.length !== 2 || !isPoint(a) || !isPoint(b)) {
    throw new RuleConfigError(`${where}: points must be two [x, y] pairs of finite numbers`);
  }
  if (a[0] === b[0] && a[1] === b[1]) throw new RuleConfigError(`${where}: its two points are the same`);
  if (!['in', 'out', 'both'].includes(c.direction)) {
    throw new RuleConfigError(`${where}: direction must be in, out or both (got "${String(c.direction)}")`);
  }
  const minFrames = c.min_frames ?? LINE_DEFAULTS.min_frames;
  if (!Number.isInteger(minFrames) || minFrames < 1) {
    throw new RuleConfigError(`${where}: min_frames must be an integer >= 1 (got ${String(minFrames)})`);
  }
  const cooldown = c.cooldown_s ?? LINE_DEFAULTS.cooldown_s;
  if (!Number.isFinite(cooldown) || cooldown < 0) {
    throw new RuleConfigError(`${where}: cooldown_s must be a number >= 0 (got ${String(cooldown)})`);
  }
  return { id, a, b };
}
