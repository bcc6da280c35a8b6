import type { Clock } from '../shared/clock.js';
import type { EpochMs } from '../shared/types.js';

export interface Mute {
  readonly user: string;
  readonly until: EpochMs;
  readonly createdAt: EpochMs;
}

/**
 * Who muted the alarm, until when. Per user and on the server, so a mute follows the guard (not one browser), every
 * screen can show it, and it cannot outlive the guard's presence: logging out ends it, and it ends by itself at
 * `until` (at most `local.mute_max_min`). In memory like the sessions: an agent restart logs everyone out, so a mute
 * surviving it would have no one behind it. Times are the injected clock's wall time.
 */
export class Mutes {
  private readonly byUser = new Map<string, Mute>();

  constructor(private readonly clock: Clock) {}

  set(user: string, minutes: number): Mute {
    const now = this.clock.wall();
    const m: Mute = { user, until: now + minutes * 60_000, createdAt: now };
    this.byUser.set(user, m);
    return m;
  }

  /** Ends `user`'s mute; the one ended, or undefined when there was none running. */
  end(user: string): Mute | undefined {
    const m = this.get(user);
    this.byUser.delete(user);
    return m;
  }

  get(user: string): Mute | undefined {
    const m = this.byUser.get(user);
    return m && m.until > this.clock.wall() ? m : undefined;
  }

  /** Mutes running now, by user name. */
  active(): Mute[] {
    const now = this.clock.wall();
    return [...this.byUser.values()].filter((m) => m.until > now).sort((a, b) => a.user.localeCompare(b.user));
  }

  /** Forgets mutes whose time is up and returns them (so the screens can be told). */
  expire(): Mute[] {
    const now = this.clock.wall();
    const gone = [...this.byUser.values()].filter((m) => m.until <= now);
    for (const m of gone) this.byUser.delete(m.user);
    return gone;
  }
}
