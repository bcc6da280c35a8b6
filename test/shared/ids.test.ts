import { describe, expect, it } from 'vitest';
import { uuidv7, UUID_V7_RE } from '../../agent/shared/ids.js';
import { ManualClock } from '../../agent/shared/clock.js';

describe('uuidv7', () => {
  it('is a version-7 RFC 9562 UUID carrying the millisecond timestamp', () => {
    const ms = Date.UTC(2026, 10, 23, 12, 0, 0, 123);
    const id = uuidv7(ms);
    expect(id).toMatch(UUID_V7_RE);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
  });

  it('sorts by creation time and does not repeat', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => uuidv7(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('does not repeat within one millisecond: the random bits alone keep ids apart', () => {
    // A burst (one frame, many rule events) makes several ids at the same wall-clock ms.
    const ms = 1_700_000_000_000;
    const ids = Array.from({ length: 10_000 }, () => uuidv7(ms));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(UUID_V7_RE);
      expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
    }
    // …and every id of that ms still sorts before every id of the next one.
    const next = uuidv7(ms + 1);
    expect(ids.every((id) => id < next)).toBe(true);
  });
});

describe('ManualClock', () => {
  it('moves only when advanced, and never backwards', () => {
    const c = new ManualClock(1000, 5000);
    expect(c.now()).toBe(1000);
    c.advance(250);
    expect(c.now()).toBe(1250);
    expect(c.wall()).toBe(6250);
    expect(() => c.advance(-1)).toThrow(/backwards/);
  });
});
