import type { MonoMs } from '../shared/types.js';

/**
 * Per-track state of one rule, with a safety net: a track not seen for `staleMs` is dropped even if
 * the tracker never reported it ended, so an upstream bug cannot make a 24/7 stream leak.
 */
export class TrackTable<S> {
  private readonly rows = new Map<number, { state: S; lastSeen: MonoMs }>();
  private lastSweep: MonoMs | null = null;

  constructor(private readonly staleMs: number) {}

  get size(): number {
    return this.rows.size;
  }

  get(id: number): S | undefined {
    return this.rows.get(id)?.state;
  }

  /** The state of `id`, created with `create` on first sight; marks it seen at `ts`. */
  touch(id: number, ts: MonoMs, create: () => S): S {
    const row = this.rows.get(id);
    if (row) {
      row.lastSeen = ts;
      return row.state;
    }
    const state = create();
    this.rows.set(id, { state, lastSeen: ts });
    return state;
  }

  /** Removes `id`; returns its state so the rule can close what it had open. */
  take(id: number): S | undefined {
    const row = this.rows.get(id);
    this.rows.delete(id);
    return row?.state;
  }

  /** Once a second at most: removes tracks not seen for `staleMs` and returns them. */
  sweep(now: MonoMs): [number, S][] {
    if (this.lastSweep !== null && now - this.lastSweep < 1000) return [];
    this.lastSweep = now;
    const stale: [number, S][] = [];
    for (const [id, row] of this.rows) {
      if (now - row.lastSeen > this.staleMs) stale.push([id, row.state]);
    }
    for (const [id] of stale) this.rows.delete(id);
    return stale;
  }
}
