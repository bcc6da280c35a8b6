import { RuleConfigError } from './errors.js';
import type { Point } from './geometry.js';

/** A config duration in seconds (>= 0) as milliseconds; the message names `where`. */
export function secondsMs(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new RuleConfigError(`${where} must be a number of seconds >= 0 (got ${String(v)})`);
  }
  return v * 1000;
}

export function isPoint(p: unknown): p is Point {
  return Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v));
}

export function positiveInt(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new RuleConfigError(`${where} must be a whole number >= 1 (got ${String(v)})`);
  }
  return v;
}
