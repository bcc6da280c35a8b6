import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, type AppConfig } from '../../agent/config/index.js';
import {
  DISTANCING_VERSION,
  GATHERING_VERSION,
  LINE_CROSS_VERSION,
  LOITERING_VERSION,
  LineCrossRule,
  NO_MASK_VERSION,
  RuleConfigError,
  RuleEngine,
  TAMPER_VERSION,
  ZONE_INTRUSION_VERSION,
  type CameraRulesConfig,
  type Point,
} from '../../agent/rules/index.js';
import type { RuleEvent } from '../../agent/shared/types.js';
import { directions, frameAt, hold, play, single, walk, type At } from './tracks.js';

const CLIP = '/usr/share/doc/opencv-doc/examples/data/vtest.avi';

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

  it('puts each rule’s configured severity on its events, and none where the config names none', () => {
    const engine = RuleEngine.fromConfig(
      { lines: [{ ...config.lines![0]!, severity: 'critical' }, { ...config.lines![1]!, severity: null }] },
      { utcOffsetMin: 420 },
    );
    const fired = play(engine, single(1, toRight));
    expect(fired.map((f) => [f.event.lineId, f.event.severity])).toEqual([
      ['exit-a', 'critical'],
      ['exit-b', undefined],
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

describe('RuleEngine.fromConfig with every rule', () => {
  const yaml = `facility:
  id: test-01
hub:
  url: embedded
storage:
  dir: ./data
models:
  mask: { threshold: 0.7, min_samples: 2, agreement: 0.5, clear_s: 4 }
cameras:
  - id: hall
    source:
      file: ${CLIP}
    detect: { fps: 5, width: 640, height: 480 }
    size: [1280, 960]
    rules:
      lines:
        - { id: gathering, points: [[1000, 100], [1000, 900]], direction: both }
      zones:
        - { id: exit, polygon: [[100, 100], [500, 100], [500, 500], [100, 500]], intrusion: true, loitering_s: 4 }
        - { id: room, polygon: [[600, 500], [1200, 500], [1200, 900], [600, 900]] }
      gathering: { zone: room, max_people: 2, min_duration_s: 1, clear_s: 1 }
      distancing:
        min_distance_m: 1
        min_duration_s: 1
        calibration:
          image: [[0, 960], [1280, 960], [1280, 0], [0, 0]]
          floor: [[0, 0], [8, 0], [8, 6], [0, 6]]
      mask: true
      tamper: true
      schedule: { allow_zones: ["11:00-12:00"] }
`;

  async function loaded(text: string): Promise<AppConfig> {
    const dir = mkdtempSync(join(tmpdir(), 'qmon-rules-'));
    try {
      const file = join(dir, 'qmon.yaml');
      writeFileSync(file, text);
      return await loadConfig(file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("builds every rule from the config stage's own output (cam.rules as is), with ids that cannot clash", async () => {
    const config = await loaded(yaml);
    const cam = config.cameras[0]!;
    const engine = RuleEngine.fromConfig(cam.rules, { utcOffsetMin: 420, mask: config.models.mask });
    expect(engine.describe()).toEqual([
      { id: 'gathering', type: 'line_cross', version: LINE_CROSS_VERSION },
      { id: 'exit.intrusion', type: 'zone_intrusion', version: ZONE_INTRUSION_VERSION },
      { id: 'exit.loitering', type: 'loitering', version: LOITERING_VERSION },
      { id: 'room.gathering', type: 'gathering', version: GATHERING_VERSION },
      { id: 'camera.distancing', type: 'distancing', version: DISTANCING_VERSION },
      { id: 'camera.no-mask', type: 'no_mask', version: NO_MASK_VERSION },
      { id: 'camera.tamper', type: 'camera_tamper', version: TAMPER_VERSION },
    ]);
    expect(engine.disabled).toEqual([]);
  });

  it('runs them together on one stream: zone (scaled to detect pixels), gathering, distancing, mask, tamper', async () => {
    const config = await loaded(yaml);
    const engine = RuleEngine.fromConfig(config.cameras[0]!.rules, { utcOffsetMin: 420, mask: config.models.mask });
    // At 11:30 local the zone rules are allowed; at 13:00 they are not.
    const at13 = Date.UTC(2026, 2, 10, 6, 0);
    const flatGray = { width: 16, height: 12, srcWidth: 16, srcHeight: 12, gray: new Uint8Array(16 * 12).fill(77) };
    const events: RuleEvent[] = [];
    for (let seq = 0; seq < 40; seq++) {
      const items: At[] = [
        // In the exit zone (detect pixels 50..250), unmasked.
        { id: 1, at: [150, 200], mask: { state: 'no_mask', score: 0.75 } },
        // Three people close together in the room (detect 300..600 × 250..450).
        { id: 2, at: [400, 400] },
        { id: 3, at: [420, 400] },
        { id: 4, at: [440, 400] },
      ];
      const dets = frameAt(seq, items, { wall0: at13 });
      events.push(...engine.update(dets, [], { ts: dets.ts, ...flatGray }));
    }
    const seen = (type: string): string[] => events.filter((e) => e.type === type).map((e) => `${e.phase} ${e.key}`);
    expect(seen('zone_intrusion')).toEqual(['start exit:1']);
    expect(seen('loitering')).toEqual(['start exit:1']);
    expect(seen('gathering')).toEqual(['start room:1']);
    expect(seen('distancing')).toEqual(['start 2:3:1', 'start 2:4:2', 'start 3:4:3']);
    expect(seen('no_mask')).toEqual(['start 1']);
    expect(seen('camera_tamper')).toEqual(['start covered:1']);
    expect(seen('line_cross')).toEqual([]);
    // Intrusion on frame 2 (inertia 3), loitering 4 s after the first frame in.
    expect(events.find((e) => e.type === 'loitering')!.ts).toBe(4000);
  });

  it('gates zone rules, not lines, by schedule.allow_zones (parsed once by config)', async () => {
    const config = await loaded(yaml);
    const engine = RuleEngine.fromConfig(config.cameras[0]!.rules, { utcOffsetMin: 420 });
    const at1130 = Date.UTC(2026, 2, 10, 4, 30);
    const fired = play(engine, single(1, [...hold([150, 200], 30), ...walk([450, 200], [550, 200], 10), ...hold([550, 200], 5)]), { wall0: at1130 });
    expect(fired.map((f) => f.event.type)).toEqual(['line_cross']);
  });

  it('lists distancing as disabled (with the reason) when the camera has no calibration', async () => {
    const config = await loaded(yaml.replace(/ {8}calibration:\n.*\n.*\n/, ''));
    const rules = config.cameras[0]!.rules;
    expect(rules.distancing?.enabled).toBe(false);
    const engine = RuleEngine.fromConfig(rules, { utcOffsetMin: 420 });
    expect(engine.describe().map((r) => r.type)).not.toContain('distancing');
    expect(engine.disabled.map((d) => d.type)).toEqual(['distancing']);
    expect(engine.disabled[0]!.reason).toMatch(/no calibration/);
  });

  it('keeps state flat across all rules over 2,000 people who come, stand close, unmasked, and go', () => {
    const engine = RuleEngine.fromConfig(
      {
        zones: [{ id: 'z', polygon: [[0, 0], [800, 0], [800, 600], [0, 600]], intrusion: true, loitering_s: 1 }],
        gathering: { zone: 'whole-frame', max_people: 1, min_duration_s: 0, clear_s: 0 },
        distancing: { min_distance_m: 1, min_duration_s: 0, calibration: { image: [[0, 600], [800, 600], [800, 0], [0, 0]], floor: [[0, 0], [8, 0], [8, 6], [0, 6]] } },
        mask: true,
        tamper: true,
      },
      { utcOffsetMin: 0 },
    );
    let maxState = 0;
    let starts = 0;
    let ends = 0;
    for (let k = 0; k < 1000; k++) {
      const ids = [2 * k + 1, 2 * k + 2];
      for (let f = 0; f < 8; f++) {
        const seq = k * 8 + f;
        const items: At[] = ids.map((id, j) => ({ id, at: [300 + 30 * j, 300], mask: { state: 'no_mask', score: 0.95 } }));
        for (const e of engine.update(frameAt(seq, items), f === 7 ? ids : [])) {
          if (e.phase === 'start') starts++;
          if (e.phase === 'end') ends++;
        }
        maxState = Math.max(maxState, engine.stateSize());
      }
    }
    // Per group: intrusion ×2, loitering ×2, distancing ×1, no-mask ×2, all ended with the tracks;
    // plus one gathering that never ends, since each group follows the last without a gap.
    expect(starts).toBe(7 * 1000 + 1);
    expect(ends).toBe(7 * 1000);
    // 2 people in intrusion, loitering and mask + 1 pair: 7 states while they are there, none after.
    expect(maxState).toBe(7);
    expect(engine.stateSize()).toBe(0);
  });
});
