import type { MonoMs } from '../shared/types.js';
import type { CommonRuleOptions } from './emit.js';
import { secondsMs } from './validate.js';
import { ZoneTrackRule } from './zone-track-rule.js';
import type { ZoneRuleConfig } from './zone-presence.js';

/** Bump when what counts as loitering changes. */
export const LOITERING_VERSION = 1;

/**
 * `loitering`: a confirmed person who has been in the zone for at least `loitering_s`, counted from
 * the first frame of the run of frames that put them in (so `inertia` does not add to the wait).
 * Leaving (after `inertia` frames out) resets the clock and ends an open violation; one violation
 * per (zone, track). Default id `<zone>.loitering`.
 */
export class LoiteringRule extends ZoneTrackRule {
  readonly type = 'loitering' as const;
  readonly version = LOITERING_VERSION;
  readonly loiteringMs: number;

  constructor(zone: ZoneRuleConfig, options: CommonRuleOptions = {}) {
    super(zone, `${zone.id}.loitering`, options);
    this.loiteringMs = secondsMs(zone.loitering_s, `zone "${zone.id}": loitering_s`);
  }

  protected holds(since: MonoMs, now: MonoMs): boolean {
    return now - since >= this.loiteringMs;
  }
}
