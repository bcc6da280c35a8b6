import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../agent/shared/clock.js';

// Sessions of the two web servers (the guard dashboard on the agent, the hub's web view): one definition, each server
// with its own role names (`R`).

export interface Session<R extends string = string> {
  readonly id: string;
  readonly user: string;
  readonly role: R;
  /** The user row's `updated_at` at login: a later change (password, role, disabled; also by the CLI) ends the session. */
  readonly userVersion: number;
  /** Sent back in `X-CSRF-Token` on every state change. */
  readonly csrf: string;
  readonly createdAt: number;
  lastSeen: number;
  /** Open event streams of this session. */
  streams: number;
}

export interface SessionLimits {
  readonly idleMs: number;
  readonly maxMs: number;
}

/**
 * Logged-in sessions, in memory only: a restart (of the agent, of the hub process) logs everyone out (documented). Ids and CSRF tokens are
 * 256 random bits; times are the injected clock's wall time, so tests can age a session.
 */
export class Sessions<R extends string = string> {
  private readonly byId = new Map<string, Session<R>>();

  constructor(
    private readonly clock: Clock,
    private readonly limits: SessionLimits,
  ) {}

  create(user: string, role: R, userVersion: number): Session<R> {
    const now = this.clock.wall();
    const s: Session<R> = { id: token(), user, role, userVersion, csrf: token(), createdAt: now, lastSeen: now, streams: 0 };
    this.byId.set(s.id, s);
    this.sweep();
    return s;
  }

  /** The live session for a cookie value (touching it), or undefined when unknown or expired. */
  get(id: string | undefined): Session<R> | undefined {
    if (id === undefined) return undefined;
    const s = this.byId.get(id);
    if (!s) return undefined;
    const now = this.clock.wall();
    if (now - s.lastSeen > this.limits.idleMs || now - s.createdAt > this.limits.maxMs) {
      this.byId.delete(id);
      return undefined;
    }
    s.lastSeen = now;
    return s;
  }

  /** The live session for an id without touching it (a server's own periodic checks must not keep it alive). */
  peek(id: string): Session<R> | undefined {
    const s = this.byId.get(id);
    if (!s) return undefined;
    const now = this.clock.wall();
    return now - s.lastSeen > this.limits.idleMs || now - s.createdAt > this.limits.maxMs ? undefined : s;
  }

  expiry(s: Session<R>): { idle: number; absolute: number } {
    return { idle: s.lastSeen + this.limits.idleMs, absolute: s.createdAt + this.limits.maxMs };
  }

  delete(id: string): void {
    this.byId.delete(id);
  }

  /** Ends every session of a user (disabled, password changed). */
  endUser(user: string): number {
    let n = 0;
    for (const [id, s] of this.byId) {
      if (s.user !== user) continue;
      this.byId.delete(id);
      n++;
    }
    return n;
  }

  count(): number {
    this.sweep();
    return this.byId.size;
  }

  private sweep(): void {
    const now = this.clock.wall();
    for (const [id, s] of this.byId) {
      if (now - s.lastSeen > this.limits.idleMs || now - s.createdAt > this.limits.maxMs) this.byId.delete(id);
    }
  }
}

function token(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison of a presented CSRF token with the session's. */
export function csrfMatches(s: Session<string>, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const a = Buffer.from(s.csrf);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The value of one cookie from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
