import { describe, expect, it } from 'vitest';
import { LineCrossRule, RuleConfigError, RuleEngine, type CameraRulesConfig, type Point } from '../../agent/rules/index.js';
import { directions, frameAt, hold, play, single, walk, type At } from './tracks.js';

const toRight = [...walk([300, 300], [500, 300], 10), ...hold([500, 300], 6)];
const config: CameraRulesConfig = {
  lines: [
    { id: 'exit-a', points: [[400, 100], [400, 500]], direction: 'in', min_frames: 3, cooldown_s: 30 },
    { id: 'exit-b', points: [[450, 100], [450, 500]], direction: 'both' },
  ],
};

describe('RuleEngine', () => {
  it('runs every line of a camera on each frame', () => {
    const engine = RuleEngine.fromConfig(config, { utcOffsetMin: 420 });
    const fired = play(engine, single(1, toRight));
    expect(fired.map((f) => [f.event.lineId, f.event.direction])).toEqual([
      ['exit-a', 'in'],
      ['exit-b', 'in'],
    ]);
  });

  it('evicts ended tracks from every rule, keeping state flat over 10,000 tracks', () => {
    // 10,000 people, 5 on screen at a time, each crosses both lines; the tracker reports each one
    // ended 8 frames (1.6 s) after its last frame.
    const path = walk([300, 300], [520, 300], 11);
    const concurrent = 5;
    const run = (reportExpiry: boolean): { events: number; maxState: number } => {
      const engine = RuleEngine.fromConfig(config, { utcOffsetMin: 420 });
      const lastSeen = new Map<number, number>(); // id → frame
      let events = 0;
      let maxState = 0;
      for (let f = 0; f < (10_000 / concurrent) * path.length; f++) {
        const batch = Math.floor(f / path.length);
        const items: At[] = [];
        for (let k = 1; k <= concurrent; k++) {
          const id = batch * concurrent + k;
          items.push({ id, at: path[f % path.length]! });
          lastSeen.set(id, f);
        }
        const expired = [...lastSeen].filter(([, last]) => last === f - 8).map(([id]) => id);
        for (const id of expired) lastSeen.delete(id);
        events += engine.update(frameAt(f, items), reportExpiry ? expired : []).length;
        maxState = Math.max(maxState, engine.stateSize());
      }
      return { events, maxState };
    };
    const withExpiry = run(true);
    expect(withExpiry.events).toBe(2 * 10_000);
    // Per line: 5 on screen plus at most 5 waiting for their expiry.
    expect(withExpiry.maxState).toBeLessThanOrEqual(2 * 2 * concurrent);
    // Without expiry reports only the stale sweep (120 s) bounds it: far more, but still bounded.
    const withoutExpiry = run(false);
    expect(withoutExpiry.maxState).toBeGreaterThan(10 * withExpiry.maxState);
    expect(withoutExpiry.maxState).toBeLessThanOrEqual(2 * concurrent * Math.ceil((121 * 5) / path.length + 1));
  });

  it('suppresses line crossings inside schedule.allow_lines windows (facility local time)', () => {
    const engine = RuleEngine.fromConfig(
      { ...config, schedule: { allow_lines: ['11:00-12:00', '22:00-06:00'] } },
      { utcOffsetMin: 420 },
    );
    const atLocal = (hh: number, mm: number): number => Date.UTC(2026, 2, 10, hh, mm) - 420 * 60_000;
    let seq = 0;
    const crossAt = (hh: number, mm: number): number => {
      const fired = play(engine, single(seq + 1, toRight), { wall0: atLocal(hh, mm), firstSeq: seq * 100 });
      seq++;
      return fired.length;
    };
    expect(crossAt(11, 30)).toBe(0); // meal delivery
    expect(crossAt(12, 30)).toBe(2);
    expect(crossAt(23, 0)).toBe(0); // overnight window
    expect(crossAt(5, 58)).toBe(0);
    expect(crossAt(6, 1)).toBe(2);
  });

  it('takes pre-built rules and rejects duplicate ids with a message naming the id', () => {
    const a = new LineCrossRule({ id: 'x', points: [[0, 0], [1, 1]], direction: 'in' });
    const b = new LineCrossRule({ id: 'x', points: [[5, 0], [5, 9]], direction: 'out' });
    expect(() => new RuleEngine([a, b])).toThrow(RuleConfigError);
    expect(() => new RuleEngine([a, b])).toThrow(/rule id "x" is used twice/);
    expect(new RuleEngine([a]).rules).toEqual([a]);
  });

  it('rejects a bad line or schedule in the config', () => {
    const badPoints = [[1, 2]] as unknown as [Point, Point];
    expect(() => RuleEngine.fromConfig({ lines: [{ id: 'l', points: badPoints, direction: 'in' }] }, { utcOffsetMin: 0 })).toThrow(
      /line "l": points must be two/,
    );
    expect(() => RuleEngine.fromConfig({ schedule: { allow_lines: ['lunch'] } }, { utcOffsetMin: 0 })).toThrow(
      /schedule\.allow_lines\[0\] "lunch"/,
    );
  });

  it('refuses frames of another camera', () => {
    const engine = RuleEngine.fromConfig(config, { utcOffsetMin: 0 });
    engine.update(frameAt(0, []));
    expect(() => engine.update({ ...frameAt(1, []), cameraId: 'other' })).toThrow(/camera "corridor-a".*camera "other"/);
  });

  it('with no rules produces nothing and holds nothing', () => {
    const engine = RuleEngine.fromConfig({}, { utcOffsetMin: 0 });
    expect(directions(play(engine, single(1, toRight)))).toEqual([]);
    expect(engine.stateSize()).toBe(0);
  });
});
