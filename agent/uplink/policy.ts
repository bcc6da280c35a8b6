import { z } from 'zod';
import { MIN_REPLAY_RATE_PER_S } from '../../contract/index.js';
import type { Logger } from '../ops/index.js';
import type { Store } from '../store/index.js';
import type { SetPolicyCommand } from '../../contract/index.js';

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

/**
 * Each override's accepted values, as persisted and as the response reports them (contract key
 * names). The floor on the replay rate is the agent's own: the contract schema only says "> 0", and
 * 1e-9 msg/s would hold the backlog forever (and, before timers were clamped, spun a 1 ms loop).
 */
const OverrideFields = {
  replay_rate_per_s: z.number().min(MIN_REPLAY_RATE_PER_S).max(1000),
  heartbeat_s: z.number().min(10).max(3600),
  snapshot_upload: z.boolean(),
} as const;
interface Overrides {
  replay_rate_per_s?: number;
  heartbeat_s?: number;
  snapshot_upload?: boolean;
}
type OverrideKey = keyof typeof OverrideFields;

export const POLICY_META_KEY = 'hub_policy';

/** A set-policy the contract allows but this agent refuses (below a floor); the message is the reason. */
export class PolicyRefused extends Error {
  override name = 'PolicyRefused';
}

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

  /**
   * The persisted overrides, each key checked on its own: a value an older agent accepted but this
   * one refuses (a replay rate below the floor) is dropped with a warning and the config's value is
   * used instead, while the other overrides stay in force.
   */
  private static load(store: Pick<Store, 'meta'>, logger: Logger): Overrides {
    const raw = store.meta(POLICY_META_KEY);
    if (raw === undefined) return {};
    let stored: unknown;
    try {
      stored = JSON.parse(raw);
    } catch {
      stored = null;
    }
    if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) {
      // Damaged: the config's values are a safe fallback.
      logger.warn('ignoring the stored hub policy (unreadable); using the facility config');
      return {};
    }
    const out: Overrides & Record<string, unknown> = {};
    for (const [key, value] of Object.entries(stored)) {
      const field: z.ZodType | undefined = (OverrideFields as Record<string, z.ZodType>)[key];
      if (field?.safeParse(value).success) out[key] = value;
      else logger.warn({ override: key.slice(0, 64) }, 'ignoring a stored hub policy override this agent does not accept; using the facility config');
    }
    return out;
  }

  get(): Policy {
    return this.current;
  }

  /**
   * Applies a validated set-policy: persists the new overrides first (a StoreFullError leaves the
   * old policy in force and propagates), then returns the effective policy.
   */
  set(cmd: SetPolicyCommand): Policy {
    for (const key of ['replay_rate_per_s', 'heartbeat_s', 'snapshot_upload'] as const satisfies readonly OverrideKey[]) {
      const value = cmd[key];
      if (value === undefined) continue;
      const checked = OverrideFields[key].safeParse(value);
      if (!checked.success) throw new PolicyRefused(`${key}: ${checked.error.issues[0]?.message ?? 'not accepted'} (got ${String(value)})`);
    }
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
