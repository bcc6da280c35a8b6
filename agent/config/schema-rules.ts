/**
 * Schema of a camera's `rules`. The defaults are the rules stage's own (ANALYTICS.md), imported so each is written
 * once; config depends on rules, never the reverse (rules stay a pure library). Geometry is checked in semantic.ts.
 */
import { z } from 'zod';
import { DISTANCING_DEFAULTS, GATHERING_DEFAULTS, LINE_DEFAULTS, WHOLE_FRAME, ZONE_DEFAULTS } from '../rules/index.js';
import { displayName, fourPoints, twoPoints, polygon, ruleId, seconds, severity, text, timeWindow } from './schema-common.js';

export const lineSchema = z.strictObject({
  id: ruleId,
  /** What guards read (Vietnamese welcome); the id stays in tooltips, exports and the hub. */
  name: displayName.optional(),
  /** Absent: `warning` (an internal corridor line); an exit line is `critical`. */
  severity: severity.optional(),
  points: twoPoints,
  /** `in` = moving to the left-hand side of first→second as drawn on screen (y grows downwards). */
  direction: z.enum(['in', 'out', 'both']).default('both'),
  min_frames: z.number().int().min(1).max(100).default(LINE_DEFAULTS.min_frames),
  cooldown_s: z.number().min(0).default(LINE_DEFAULTS.cooldown_s),
});

export const zoneSchema = z.strictObject({
  id: ruleId,
  name: displayName.optional(),
  /** Of the zone's intrusion and loitering alerts; absent: `critical` for intrusion, `info` for loitering. */
  severity: severity.optional(),
  polygon,
  /** Any person in the zone is a violation (exit, staff-only area). */
  intrusion: z.boolean().default(false),
  /** A person staying longer than this is a violation; absent = no loitering rule. */
  loitering_s: seconds.optional(),
  /** Frames the feet must be inside before a person counts as in the zone. */
  inertia: z.number().int().min(1).max(100).default(ZONE_DEFAULTS.inertia),
});

export const gatheringSchema = z.strictObject({
  /** A zone id of this camera, or `whole-frame`. */
  zone: text.default(WHOLE_FRAME),
  max_people: z.number().int().min(1),
  min_duration_s: seconds.default(GATHERING_DEFAULTS.min_duration_s),
  clear_s: seconds.default(GATHERING_DEFAULTS.clear_s),
  severity: severity.optional(),
});

export const calibrationSchema = z.strictObject({
  /** Four image points (reference px) around a floor area, in order around its edge. */
  image: fourPoints,
  /** The same four points on the floor, in metres. */
  floor: fourPoints,
});

export const distancingSchema = z.strictObject({
  min_distance_m: z.number().positive().default(DISTANCING_DEFAULTS.min_distance_m),
  min_duration_s: seconds.default(DISTANCING_DEFAULTS.min_duration_s),
  /** Without it the rule is disabled (a warning says so): pixels are not metres. */
  calibration: calibrationSchema.optional(),
  severity: severity.optional(),
});

export const scheduleSchema = z.strictObject({
  /** Windows in which line crossings on this camera are allowed (e.g. meal delivery). */
  allow_lines: z.array(timeWindow).default([]),
  /** Windows in which zone intrusion/loitering on this camera is allowed. */
  allow_zones: z.array(timeWindow).default([]),
});

/**
 * A camera-wide rule switched on or off (`mask: true`), or switched on with its severity (`mask: { severity: warning }`);
 * `{ enabled: false }` is the same as `false`.
 */
function switchRule(on: boolean) {
  return z
    .preprocess(
      (v) => (typeof v === 'boolean' ? { enabled: v } : v),
      z.strictObject({ enabled: z.boolean().default(true), severity: severity.optional() }),
    )
    .prefault(on);
}

export const rulesSchema = z.strictObject({
  lines: z.array(lineSchema).default([]),
  zones: z.array(zoneSchema).default([]),
  gathering: gatheringSchema.optional(),
  distancing: distancingSchema.optional(),
  mask: switchRule(false),
  tamper: switchRule(true),
  schedule: scheduleSchema.prefault({}),
});

export type ParsedRules = z.output<typeof rulesSchema>;
