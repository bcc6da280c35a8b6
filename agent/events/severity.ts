import type { RuleType, Severity } from '../shared/types.js';

/**
 * Default severity per violation type, for rules whose config names none (`lines[].severity`, `zones[].severity`,
 * …; the rule engine puts a configured one on the RuleEvent). `critical` sounds the guards' alarm until
 * acknowledged and escalates; `warning` beeps once; `info` is silent, recorded for statistics.
 */
export const DEFAULT_SEVERITY: Readonly<Record<RuleType, Severity>> = {
  // A quarantined person at an exit or in a staff-only area can carry infection off site.
  zone_intrusion: 'critical',
  // Someone is blinding the camera on purpose; nothing else on it can be seen until a guard acts.
  camera_tamper: 'critical',
  // Crossing a corridor line between room blocks mixes cohorts; serious but usually corrected on the spot.
  // An exit line is configured `critical`; an internal one keeps this.
  line_cross: 'warning',
  gathering: 'warning',
  // A guard cannot run after every uncovered face: counted and shown, never sounded.
  no_mask: 'info',
  // Mostly power or network faults, already debounced for a minute; maintenance, not an emergency.
  camera_offline: 'warning',
  // The agent's own trouble (disk low, clock unsynced): for the IT staff.
  agent_alarm: 'warning',
  // Frequent and individually low-risk; useful as a trend, not as an alarm.
  loitering: 'info',
  distancing: 'info',
};
