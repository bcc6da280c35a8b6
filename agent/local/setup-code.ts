import { randomInt, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../shared/clock.js';

export const SETUP_CODE_TTL_MS = 30 * 60_000;
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * The one-time code that lets the first admin be created in the browser when no admin exists. Printed on the
 * agent's console (never logged to the JSON log), valid 30 minutes, used once.
 */
export class SetupCode {
  private code: string | null = null;
  private expires = 0;

  constructor(private readonly clock: Clock) {}

  /** A fresh code (replacing any previous one): 12 characters from a 32-letter alphabet, shown as XXXX-XXXX-XXXX. */
  issue(): string {
    let c = '';
    for (let i = 0; i < 12; i++) c += ALPHABET[randomInt(ALPHABET.length)];
    this.code = c;
    this.expires = this.clock.wall() + SETUP_CODE_TTL_MS;
    return `${c.slice(0, 4)}-${c.slice(4, 8)}-${c.slice(8)}`;
  }

  /** Whether `presented` is the live code; dashes, spaces and case are ignored. Does not use it up. */
  matches(presented: string): boolean {
    if (this.code === null || this.clock.wall() > this.expires) return false;
    const a = Buffer.from(presented.replace(/[\s-]/g, '').toUpperCase());
    const b = Buffer.from(this.code);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  use(): void {
    this.code = null;
  }
}
