import type { Box, MonoMs, Severity } from '../shared/types.js';
import { RuleConfigError } from './errors.js';
import { bottomCentre, pointInPolygon, type Point } from './geometry.js';
import { isPoint, positiveInt } from './validate.js';

/** One zone of a camera, in detect-resolution pixels (the config loader scales from `size`). */
export interface ZoneRuleConfig {
  readonly id: string;
  /** Vertices in order, either winding, implicitly closed. */
  readonly polygon: readonly Point[];
  /** Any person in the zone is a violation (exit, staff-only area). */
  readonly intrusion?: boolean;
  /** A person staying longer than this is a violation; null/absent = no loitering rule. */
  readonly loitering_s?: number | null;
  /** Frames the feet must be inside (or outside) in a row before the person counts as in (or out). */
  readonly inertia?: number;
  /** How urgent the zone's intrusion and loitering alerts are; null/absent: each type's default. */
  readonly severity?: Severity | null;
}

export const ZONE_DEFAULTS = { inertia: 3 } as const;

/** Where one track stands with respect to one zone. */
export interface Presence {
  /** The settled answer: in the zone or not, after `inertia`. */
  inside: boolean;
  /** When the feet were first inside in the streak that made `inside` true; null while outside. */
  since: MonoMs | null;
  /** Frames in a row whose raw answer differs from `inside`, and when that run began. */
  flips: number;
  flipsFrom: MonoMs;
}

export type PresenceChange = 'enter' | 'leave' | null;

/**
 * "Is this person in the zone?", debounced as ANALYTICS.md says: the feet (bottom-centre of the
 * box) must be inside the polygon for `inertia` consecutive observed frames before a track counts
 * as in, and outside as many before it counts as out again. Frames in which the track was not
 * detected do not break a run. Shared by the zone rules, each keeping its own copy per track.
 */
export class ZonePresence {
  readonly zoneId: string;
  readonly inertia: number;
  private readonly polygon: readonly Point[];

  constructor(zone: Pick<ZoneRuleConfig, 'id' | 'polygon' | 'inertia'>) {
    const { id, polygon } = validateZone(zone);
    this.zoneId = id;
    this.polygon = polygon;
    this.inertia = positiveInt(zone.inertia ?? ZONE_DEFAULTS.inertia, `zone "${id}": inertia`);
  }

  static initial(): Presence {
    return { inside: false, since: null, flips: 0, flipsFrom: 0 };
  }

  /** Raw test, no debouncing: are the feet of `box` inside the polygon? */
  contains(box: Box): boolean {
    return pointInPolygon(bottomCentre(box), this.polygon);
  }

  /** Advances `p` by one observed frame of its track; says whether the settled answer changed. */
  step(p: Presence, box: Box, ts: MonoMs): PresenceChange {
    const raw = this.contains(box);
    if (raw === p.inside) {
      p.flips = 0;
      return null;
    }
    if (p.flips === 0) p.flipsFrom = ts;
    p.flips++;
    if (p.flips < this.inertia) return null;
    p.inside = raw;
    p.since = raw ? p.flipsFrom : null;
    p.flips = 0;
    return raw ? 'enter' : 'leave';
  }
}

function validateZone(z: Pick<ZoneRuleConfig, 'id' | 'polygon'>): { id: string; polygon: readonly Point[] } {
  const id = typeof z.id === 'string' ? z.id : '';
  if (id.length === 0) throw new RuleConfigError('zone rule: id must be a non-empty string');
  const pts: readonly unknown[] = Array.isArray(z.polygon) ? z.polygon : [];
  if (pts.length < 3 || !pts.every(isPoint)) {
    throw new RuleConfigError(`zone "${id}": polygon must be at least 3 [x, y] points of finite numbers`);
  }
  return { id, polygon: z.polygon };
}
