/**
 * Small schema pieces shared by the config sections. Custom messages here say what was expected in
 * the installer's terms ("a point [x, y]"); everything else is worded by zod-messages.ts.
 */
import { z } from 'zod';
import { describeValue } from './describe.js';

/** A pixel coordinate pair in the camera's reference `size`. */
export const point = z.tuple([z.number(), z.number()], {
  error: (iss) => `expected a point [x, y], got ${describeValue(iss.input)}`,
});

function count(input: unknown): string {
  return Array.isArray(input) ? String(input.length) : describeValue(input);
}

function exactPointsError(n: number) {
  return (iss: { input?: unknown }): string =>
    Array.isArray(iss.input)
      ? `expected ${n} points, got ${iss.input.length}`
      : `expected a list of ${n} points [[x, y], …], got ${describeValue(iss.input)}`;
}

/** A line segment: exactly 2 points. */
export const twoPoints = z.tuple([point, point], { error: exactPointsError(2) });

/** A calibration quadrilateral: exactly 4 points. */
export const fourPoints = z.tuple([point, point, point, point], { error: exactPointsError(4) });

/** A polygon outline: at least 3 points. */
export const polygon = z
  .array(point, { error: (iss) => `expected a list of points [[x, y], …], got ${describeValue(iss.input)}` })
  .min(3, { error: (iss) => `expected at least 3 points, got ${count(iss.input)}` });

/** A duration in seconds, > 0. */
export const seconds = z.number().positive();

/** A fraction 0..1 (scores, thresholds). */
export const fraction = z.number().min(0).max(1);

/** A non-empty string; used for names and for secrets, which may be `env:NAME` or `file:PATH`. */
export const text = z.string().min(1, { error: 'expected a non-empty string' });

/** Longest display name (facility, camera, line, zone): one line on a guard's card, never a paragraph. */
export const NAME_MAX = 80;

/**
 * A name shown to people (guards' dashboard, exports): any language (Vietnamese with its diacritics), at most
 * NAME_MAX characters, no markup characters and no control characters. The dashboard inserts names as text anyway;
 * refusing `<`/`>` here means a name that looks like HTML is caught by the installer, not shown as tags to a guard.
 */
export const displayName = z
  .string()
  .min(1, { error: 'expected a non-empty name' })
  .max(NAME_MAX)
  .refine((v) => v.trim().length > 0, { error: 'expected a name with something other than spaces' })
  .refine((v) => !/[<>\p{Cc}]/u.test(v), {
    error: (iss) => `a name is shown to guards as plain text: "<", ">" and control characters are not allowed, got ${describeValue(iss.input)}`,
  });

/** How urgent a rule's alerts are: `critical` sounds until acknowledged, `warning` beeps once, `info` is silent. */
export const severity = z.enum(['critical', 'warning', 'info']);

/** Rule item ids: what events, the dashboard and the hub call a line or a zone. */
export const ruleId = z
  .string()
  .regex(/^[a-z0-9-]{1,64}$/, {
    error: (iss) => `expected an id of lowercase letters, digits and "-" (up to 64), got ${describeValue(iss.input)}`,
  });

/** `HH:MM-HH:MM`, 24-hour local time; `24:00` may end a window; a window may wrap past midnight. */
export const timeWindow = z
  .string()
  .regex(/^(?:[01]\d|2[0-3]):[0-5]\d-(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)$/, {
    error: (iss) => `expected a time window "HH:MM-HH:MM" (24-hour, e.g. "11:00-12:30"), got ${describeValue(iss.input)}`,
  });
