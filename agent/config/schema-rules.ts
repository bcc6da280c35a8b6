/** Schema of a camera's `rules`; defaults follow ANALYTICS.md. Geometry is checked in semantic.ts. */
import { z } from 'zod';
import { fourPoints, twoPoints, polygon, ruleId, seconds, text, timeWindow } from './schema-common.js';

export const lineSchema = z.strictObject({
  id: ruleId,
  points: twoPoints,
  /** `in` = moving to the left-hand side of first→second as drawn on screen (y grows downwards). */
  direction: z.enum(['in', 'out', 'both']).default('both'),
  min_frames: z.number().int().min(1).max(100).default(3),
  cooldown_s: z.number().min(0).default(30),
});

export const zoneSchema = z.strictObject({
  id: ruleId,
  polygon,
  /** Any person in the zone is a violation (exit, staff-only area). */
  intrusion: z.boolean().default(false),
  /** A person staying longer than this is a violation; absent = no loitering rule. */
  loitering_s: seconds.optional(),
  /** Frames the feet must be inside before a person counts as in the zone. */
  inertia: z.number().int().min(1).max(100).default(3),
});

export const gatheringSchema = z.strictObject({
  /** A zone id of this camera, or `whole-frame`. */
  zone: text.default('whole-frame'),
  max_people: z.number().int().min(1),
  min_duration_s: seconds.default(10),
  clear_s: seconds.default(10),
});

export const calibrationSchema = z.strictObject({
  /** Four image points (reference px) around a floor area, in order around its edge. */
  image: fourPoints,
  /** The same four points on the floor, in metres. */
  floor: fourPoints,
});

export const distancingSchema = z.strictObject({
  min_distance_m: z.number().positive().default(1),
  min_duration_s: seconds.default(10),
  /** Without it the rule is disabled (a warning says so): pixels are not metres. */
  calibration: calibrationSchema.optional(),
});

export const scheduleSchema = z.strictObject({
  /** Windows in which line crossings on this camera are allowed (e.g. meal delivery). */
  allow_lines: z.array(timeWindow).default([]),
  /** Windows in which zone intrusion/loitering on this camera is allowed. */
  allow_zones: z.array(timeWindow).default([]),
});

export const rulesSchema = z.strictObject({
  lines: z.array(lineSchema).default([]),
  zones: z.array(zoneSchema).default([]),
  gathering: gatheringSchema.optional(),
  distancing: distancingSchema.optional(),
  mask: z.boolean().default(false),
  tamper: z.boolean().default(true),
  schedule: scheduleSchema.prefault({}),
});

export type ParsedRules = z.output<typeof rulesSchema>;
