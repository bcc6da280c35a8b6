import { describe, expect, it } from 'vitest';
import { SnapshotPolicy, type SnapshotCandidate } from '../../agent/events/index.js';

describe('SnapshotPolicy: one snapshot per revision that improves the violation', () => {
  it.each<[string, SnapshotCandidate[], boolean[]]>([
    ['the first revision always gets one', [{ people: 1, confidence: 0.3 }], [true]],
    ['more people is better', [{ people: 3, confidence: 0.9 }, { people: 4, confidence: 0.5 }], [true, true]],
    ['fewer people is not, however sure', [{ people: 4, confidence: 0.5 }, { people: 3, confidence: 0.99 }], [true, false]],
    ['the same people need +0.05 confidence', [{ people: 2, confidence: 0.8 }, { people: 2, confidence: 0.84 }, { people: 2, confidence: 0.85 }], [true, false, true]],
    // Score jitter around the best writes nothing.
    ['jitter writes nothing', [0.8, 0.81, 0.79, 0.82, 0.8].map((confidence) => ({ people: 2, confidence })), [true, false, false, false, false]],
    ['at most 5 per violation', [1, 2, 3, 4, 5, 6, 7].map((people) => ({ people, confidence: 0.5 })), [true, true, true, true, true, false, false]],
  ])('%s', (_name, candidates, want) => {
    const p = new SnapshotPolicy();
    expect(candidates.map((c) => p.improves('v', c))).toEqual(want);
  });

  it('keeps violations apart and forgets ended ones', () => {
    const p = new SnapshotPolicy();
    expect(p.improves('a', { people: 2, confidence: 0.9 })).toBe(true);
    expect(p.improves('b', { people: 1, confidence: 0.1 })).toBe(true);
    expect(p.improves('a', { people: 2, confidence: 0.9 })).toBe(false);
    expect(p.size).toBe(2);
    p.forget('a');
    expect(p.size).toBe(1);
    expect(p.improves('a', { people: 1, confidence: 0.1 })).toBe(true);
  });

  it('rejects nonsense settings', () => {
    expect(() => new SnapshotPolicy({ minGain: -1 })).toThrow(/minGain must be >= 0/);
    expect(() => new SnapshotPolicy({ maxPerViolation: 0 })).toThrow(/maxPerViolation must be >= 1/);
  });
});
