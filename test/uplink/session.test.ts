// The MQTT session number never goes back: from the clock, one more than the last, never below the hub's floor.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../agent/ops/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import { Store, StoreFullError } from '../../agent/store/index.js';
import { nextSession } from '../../agent/uplink/session.js';
import { tempDir } from '../store/fixtures.js';

const WALL = Date.UTC(2026, 0, 1, 8);
let tmp: { dir: string; cleanup: () => void };
let store: Store;

beforeEach(() => {
  tmp = tempDir('session');
  store = Store.open({ dir: tmp.dir, clock: new ManualClock(0, WALL), logger: silentLogger() });
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

describe('nextSession', () => {
  it('is the clock in seconds, one more within the same second, and never below the last (a clock stepped back)', () => {
    const s = Math.floor(WALL / 1000);
    expect(nextSession(store, 0, WALL, silentLogger())).toBe(s);
    expect(nextSession(store, s, WALL + 200, silentLogger())).toBe(s + 1);
    expect(nextSession(store, s + 1, WALL - 3_600_000, silentLogger())).toBe(s + 2);
    expect(nextSession(store, s + 2, WALL + 60_000, silentLogger())).toBe(s + 60);
    expect(store.currentSession()).toBe(s + 60);
  });

  it('a replaced store (counter back at 0) still starts above the old one: the clock moved on', () => {
    const before = nextSession(store, 0, WALL, silentLogger());
    store.close();
    tmp.cleanup();
    tmp = tempDir('session-new');
    store = Store.open({ dir: tmp.dir, clock: new ManualClock(0, WALL), logger: silentLogger() });
    expect(nextSession(store, 0, WALL + 5_000, silentLogger())).toBeGreaterThan(before);
  });

  it('on a full disk keeps it in memory, still above the last and the clock', () => {
    const full = Object.create(store) as Store;
    full.nextSession = () => {
      throw new StoreFullError(store.file, 'the session counter');
    };
    const s = Math.floor(WALL / 1000);
    expect(nextSession(full, s + 5, WALL, silentLogger())).toBe(s + 6);
    expect(nextSession(full, 0, WALL, silentLogger())).toBe(s);
  });
});
