import { RuleConfigError } from './errors.js';
import type { CommonRuleOptions } from './emit.js';
import { ZoneTrackRule } from './zone-track-rule.js';
import type { ZoneRuleConfig } from './zone-presence.js';

/** Bump when what counts as an intrusion changes. */
export const ZONE_INTRUSION_VERSION = 1;

/**
 * `zone_intrusion`: a confirmed person in a forbidden zone (an exit, a staff-only area). Starts as
 * soon as the track counts as in the zone (after `inertia` frames), ends when it counts as out or
 * the track ends; one violation per (zone, track). Default id `<zone>.intrusion`.
 */
export class ZoneIntrusionRule extends ZoneTrackRule {
  readonly type = 'zone_intrusion' as const;
  readonly version = ZONE_INTRUSION_VERSION;

  constructor(zone: ZoneRuleConfig, options: CommonRuleOptions = {}) {
    super(zone, `${zone.id}.intrusion`, options);
    if (zone.intrusion === false) {
      throw new RuleConfigError(`zone "${zone.id}": intrusion is off, so it has no intrusion rule`);
    }
  }

  protected holds(): boolean {
    return true;
  }
}
