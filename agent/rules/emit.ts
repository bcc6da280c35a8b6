import type { Box, Detection, Detections, EpochMs, RuleEvent } from '../shared/types.js';
import type { Rule } from './rule.js';

/** Settings every rule built by `fromConfig` can take besides its own config. */
export interface CommonRuleOptions {
  /** The rule's id on this camera; each rule has a default derived from its config. */
  readonly id?: string;
  /** False while the condition is allowed (a schedule window); gates starts only, never ends. */
  readonly activeAt?: (wallTs: EpochMs) => boolean;
  /** Safety net: forget a track not seen for this long even if its end was never reported. */
  readonly staleS?: number;
  /** Detection class the rule watches. */
  readonly cls?: string;
}

export const COMMON_DEFAULTS = { staleS: 120, cls: 'person' } as const;

/** What a rule says about the people behind one event. */
export interface EventWhat {
  readonly trackIds: readonly number[];
  readonly boxes: readonly Box[];
  readonly people: number;
  readonly confidence: number;
  readonly zoneId?: string;
  readonly reason?: string;
}

export function ruleEvent(
  rule: Pick<Rule, 'type' | 'id' | 'version'>,
  dets: Detections,
  phase: RuleEvent['phase'],
  key: string,
  what: EventWhat,
): RuleEvent {
  return {
    type: rule.type,
    phase,
    key,
    rule: { id: rule.id, version: rule.version },
    cameraId: dets.cameraId,
    ts: dets.ts,
    wallTs: dets.wallTs,
    trackIds: what.trackIds,
    boxes: what.boxes,
    people: what.people,
    confidence: what.confidence,
    ...(what.zoneId !== undefined && { zoneId: what.zoneId }),
    ...(what.reason !== undefined && { reason: what.reason }),
  };
}

/** A confirmed detection: one the tracker gave an id. */
export type Tracked = Detection & { readonly trackId: number };

/**
 * The confirmed detections of `cls` in a frame, one per track id (the first wins). Unconfirmed
 * detections never count towards any rule: a one-frame false positive has no id.
 */
export function confirmed(dets: Detections, cls: string): Tracked[] {
  const seen = new Set<number>();
  const out: Tracked[] = [];
  for (const d of dets.items) {
    if (d.trackId === undefined || d.cls !== cls || seen.has(d.trackId)) continue;
    if (![d.box.x1, d.box.y1, d.box.x2, d.box.y2].every(Number.isFinite)) continue;
    seen.add(d.trackId);
    out.push(d as Tracked);
  }
  return out;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return 0;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}
