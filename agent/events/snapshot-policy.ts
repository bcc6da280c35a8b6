/** What a revision offers as a snapshot. */
export interface SnapshotCandidate {
  readonly people: number;
  readonly confidence: number;
}

export interface SnapshotPolicyOptions {
  /** At the same head count, confidence must beat the best so far by this much. */
  readonly minGain?: number;
  /** Snapshots per violation at most; bounds disk use of a long-running one. */
  readonly maxPerViolation?: number;
}

export const SNAPSHOT_POLICY_DEFAULTS = { minGain: 0.05, maxPerViolation: 5 } as const;

/**
 * Which revisions of a violation deserve a (new) snapshot: the first one always; later ones only
 * when they show more people, or the same people with clearly higher confidence. So a violation
 * gets at most one snapshot per improving revision, and score jitter writes nothing.
 * Keyed by any stable violation key (e.g. `violationKey(ev)`); `forget` it when the violation ends.
 */
export class SnapshotPolicy {
  private readonly best = new Map<string, { people: number; confidence: number; taken: number }>();
  private readonly minGain: number;
  private readonly maxPer: number;

  constructor(options: SnapshotPolicyOptions = {}) {
    this.minGain = options.minGain ?? SNAPSHOT_POLICY_DEFAULTS.minGain;
    this.maxPer = options.maxPerViolation ?? SNAPSHOT_POLICY_DEFAULTS.maxPerViolation;
    if (!(this.minGain >= 0)) throw new RangeError(`snapshot policy: minGain must be >= 0 (got ${this.minGain})`);
    if (!Number.isInteger(this.maxPer) || this.maxPer < 1) throw new RangeError(`snapshot policy: maxPerViolation must be >= 1 (got ${this.maxPer})`);
  }

  /** Whether `c` improves violation `key`'s snapshot; if so it becomes the best (call once per revision). */
  improves(key: string, c: SnapshotCandidate): boolean {
    const b = this.best.get(key);
    if (b === undefined) {
      this.best.set(key, { people: c.people, confidence: c.confidence, taken: 1 });
      return true;
    }
    if (b.taken >= this.maxPer) return false;
    // The epsilon keeps 0.8 → 0.85 a gain of 0.05 despite 0.8 + 0.05 = 0.8500000000000001.
    const better = c.people > b.people || (c.people === b.people && c.confidence >= b.confidence + this.minGain - 1e-9);
    if (!better) return false;
    this.best.set(key, { people: c.people, confidence: c.confidence, taken: b.taken + 1 });
    return true;
  }

  forget(key: string): void {
    this.best.delete(key);
  }

  /** Violations tracked now. */
  get size(): number {
    return this.best.size;
  }
}
