// Hand-made tracks for rule tests, in the style of supervision's LineZone and DeepStream's
// nvdsanalytics tests: each frame lists where each track's feet (bottom-centre) are.
import type { Detection, Detections, MaskState, RuleEvent } from '../../agent/shared/types.js';
import type { Point, Rule } from '../../agent/rules/index.js';

export const CAM = 'corridor-a';
/** 2026-01-01 00:00 UTC. */
export const WALL0 = Date.UTC(2026, 0, 1);

export interface At {
  /** Track id; leave out for an unconfirmed detection. */
  readonly id?: number;
  readonly at: Point;
  readonly score?: number;
  readonly cls?: string;
  /** This frame's classified face crop, if any. */
  readonly mask?: { readonly state: MaskState; readonly score: number };
}

export interface Timing {
  readonly fps?: number;
  readonly wall0?: number;
}

/** A person box whose bottom-centre is `at`. */
export function personAt(a: At): Detection {
  const [x, y] = a.at;
  const d: Detection = {
    box: { x1: x - 25, y1: y - 150, x2: x + 25, y2: y },
    score: a.score ?? 0.9,
    cls: a.cls ?? 'person',
    ...(a.mask && { attributes: { mask: a.mask } }),
  };
  return a.id === undefined ? d : { ...d, trackId: a.id };
}

export function frameAt(seq: number, items: readonly At[], t: Timing = {}): Detections {
  const ts = Math.round((seq * 1000) / (t.fps ?? 5));
  return { cameraId: CAM, frameSeq: seq, ts, wallTs: (t.wall0 ?? WALL0) + ts, width: 800, height: 600, items: items.map(personAt) };
}

/** Points from `from` to `to` inclusive, in `steps` equal steps. */
export function walk(from: Point, to: Point, steps: number): Point[] {
  const out: Point[] = [];
  for (let i = 0; i <= steps; i++) out.push([from[0] + ((to[0] - from[0]) * i) / steps, from[1] + ((to[1] - from[1]) * i) / steps]);
  return out;
}

export function hold(p: Point, frames: number): Point[] {
  return Array.from({ length: frames }, () => p);
}

/** One track following `path`, one frame per point. */
export function single(id: number | undefined, path: readonly Point[]): At[][] {
  return path.map((at) => [id === undefined ? { at } : { id, at }]);
}

export interface Fired {
  readonly frame: number;
  readonly event: RuleEvent;
}

/** Feeds frames to anything with `update(dets)` and collects events with the frame they came on. */
export function play(
  target: { update(d: Detections, expired?: readonly number[]): RuleEvent[] },
  frames: readonly (readonly At[])[],
  t: Timing & { firstSeq?: number; expired?: (seq: number) => number[] } = {},
): Fired[] {
  const fired: Fired[] = [];
  frames.forEach((items, i) => {
    const seq = (t.firstSeq ?? 0) + i;
    for (const event of target.update(frameAt(seq, items, t), t.expired?.(seq) ?? [])) fired.push({ frame: seq, event });
  });
  return fired;
}

export const directions = (fired: readonly Fired[]): (string | undefined)[] => fired.map((f) => f.event.direction);

/** What a test usually compares: on which frame, which phase, under which key. */
export const summary = (fired: readonly Fired[]): [number, string, string][] => fired.map((f) => [f.frame, f.event.phase, f.event.key]);

/**
 * Feeds frames to one rule the way the engine does: `update`, then `endTracks` with the ids the
 * tracker ended on that frame (`ended`).
 */
export function playRule(
  rule: Rule,
  frames: readonly (readonly At[])[],
  t: Timing & { firstSeq?: number; ended?: (seq: number) => number[] } = {},
): Fired[] {
  const fired: Fired[] = [];
  frames.forEach((items, i) => {
    const seq = (t.firstSeq ?? 0) + i;
    const dets = frameAt(seq, items, t);
    for (const event of rule.update(dets)) fired.push({ frame: seq, event });
    const ended = t.ended?.(seq) ?? [];
    if (ended.length > 0) for (const event of rule.endTracks(ended, dets)) fired.push({ frame: seq, event });
  });
  return fired;
}

/** `n` frames of the same people standing still. */
export function still(people: readonly At[], n: number): At[][] {
  return Array.from({ length: n }, () => [...people]);
}
