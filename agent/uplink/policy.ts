import { z } from 'zod';
import type { Logger } from '../ops/index.js';
import type { Store } from '../store/index.js';
import type { SetPolicyCommand } from '../contract/index.js';

/**
 * What the hub may tune with `cmd/set-policy`. The facility config gives the defaults; the hub's
 * overrides are persisted in the store (`meta`), so a restart keeps them.
 */
export interface Policy {
  /** Backlog (replay) rate cap, messages per second. */
  readonly replayRatePerS: number;
  readonly heartbeatS: number;
  /** Whether snapshots may be sent when the hub asks for one (`cmd/snapshot`). */
  readonly snapshotUpload: boolean;
}

/** The overrides as persisted and as the response reports them (contract key names). */
const Overrides = z.strictObject({
  replay_rate_per_s: z.number().positive().max(1000).optional(),
  heartbeat_s: z.number().min(10).max(3600).optional(),
  snapshot_upload: z.boolean().optional(),
});
type Overrides = z.infer<typeof Overrides>;

export const POLICY_META_KEY = 'hub_policy';

/** The policy in the contract's key names, for a `qmon.res/1` result. */
export function policyResult(p: Policy): Record<string, number | boolean> {
  return { replay_rate_per_s: p.replayRatePerS, heartbeat_s: p.heartbeatS, snapshot_upload: p.snapshotUpload };
}

function apply(defaults: Policy, o: Overrides): Policy {
  return {
    replayRatePerS: o.replay_rate_per_s ?? defaults.replayRatePerS,
    heartbeatS: o.heartbeat_s ?? defaults.heartbeatS,
    snapshotUpload: o.snapshot_upload ?? defaults.snapshotUpload,
  };
}

/** The config defaults plus the hub's persisted overrides. */
export class PolicyState {
  private overrides: Overrides;
  private current: Policy;

  constructor(
    private readonly store: Pick<Store, 'meta' | 'setMeta'>,
    private readonly defaults: Policy,
    logger: Logger,
  ) {
    this.overrides = PolicyState.load(store, logger);
    this.current = apply(defaults, this.overrides);
  }

  private static load(store: Pick<Store, 'meta'>, logger: Logger): Overrides {
    const raw = store.meta(POLICY_META_KEY);
    if (raw === undefined) return {};
    try {
      const parsed = Overrides.safeParse(JSON.parse(raw));
      if (parsed.success) return parsed.data;
    } catch {
      // fall through: not JSON
    }
    // Written by a newer agent or damaged: the config's values are a safe fallback.
    logger.warn('ignoring the stored hub policy (unreadable); using the facility config');
    return {};
  }

  get(): Policy {
    return this.current;
  }

  /**
   * Applies a validated set-policy: persists the new overrides first (a StoreFullError leaves the
   * old policy in force and propagates), then returns the effective policy.
   */
  set(cmd: SetPolicyCommand): Policy {
    const next: Overrides = {
      ...(cmd.reset ? {} : this.overrides),
      ...(cmd.replay_rate_per_s !== undefined && { replay_rate_per_s: cmd.replay_rate_per_s }),
      ...(cmd.heartbeat_s !== undefined && { heartbeat_s: cmd.heartbeat_s }),
      ...(cmd.snapshot_upload !== undefined && { snapshot_upload: cmd.snapshot_upload }),
    };
    this.store.setMeta(POLICY_META_KEY, JSON.stringify(next));
    this.overrides = next;
    this.current = apply(this.defaults, next);
    return this.current;
  }
}
