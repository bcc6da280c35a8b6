import type { RuleType, Severity } from '../shared/types.js';

/**
 * Default severity per violation type. `critical` sounds the guards' alarm and pages the hub;
 * `warning` is shown and counted; `info` is recorded for statistics. Overridable per facility.
 */
export const DEFAULT_SEVERITY: Readonly<Record<RuleType, Severity>> = {
  // A quarantined person at an exit or in a staff-only area can carry infection off site.
  zone_intrusion: 'critical',
  // Someone is blinding the camera on purpose; nothing else on it can be seen until a guard acts.
  camera_tamper: 'critical',
  // Crossing a corridor line between room blocks mixes cohorts; serious but usually corrected on the spot.
  line_cross: 'warning',
  gathering: 'warning',
  no_mask: 'warning',
  // Mostly power or network faults, already debounced for a minute; maintenance, not an emergency.
  camera_offline: 'warning',
  // The agent's own trouble (disk low, clock unsynced): for the IT staff.
  agent_alarm: 'warning',
  // Frequent and individually low-risk; useful as a trend, not as an alarm.
  loitering: 'info',
  distancing: 'info',
};
