import type { Clock } from '../shared/clock.js';
import type { RuleEvent } from '../shared/types.js';
import type { AlarmKind, DiskAlarmState } from './retention.js';

/** Version of the `agent_alarm` "rule" that raises disk alarms; bump when its meaning changes. */
export const DISK_ALARM_RULE_VERSION = 1;

/**
 * The RuleEvent for a disk alarm change, so it takes the normal violation path (lifecycle → store
 * → uplink) as an `agent_alarm` with reason `disk_low`: `start` when it turns on, `update` when
 * its level changes, `end` when it clears. `cameraId` is whatever id the app uses for agent-wide
 * alarms (it must match the contract's camera id pattern, e.g. `agent`). Null when nothing changed.
 */
export function diskAlarmRuleEvent(
  kind: AlarmKind,
  state: DiskAlarmState,
  previous: DiskAlarmState,
  ctx: { readonly cameraId: string; readonly clock: Clock },
): RuleEvent | null {
  let phase: RuleEvent['phase'];
  if (state.active && !previous.active) phase = 'start';
  else if (!state.active && previous.active) phase = 'end';
  else if (state.active && (state.level !== previous.level || state.storeFull !== previous.storeFull)) phase = 'update';
  else return null;
  return {
    type: 'agent_alarm',
    phase,
    key: kind,
    rule: { id: kind, version: DISK_ALARM_RULE_VERSION },
    cameraId: ctx.cameraId,
    ts: ctx.clock.now(),
    wallTs: ctx.clock.wall(),
    trackIds: [],
    boxes: [],
    people: 0,
    confidence: 1,
    reason: kind,
  };
}
