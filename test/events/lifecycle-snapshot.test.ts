// Snapshots attached to violation revisions (the lifecycle's snapshot path; `null` stays the default).
import { describe, expect, it } from 'vitest';
import { ViolationLifecycle, violationKey, type ViolationSink } from '../../agent/events/index.js';
import type { RuleEvent, SnapshotRef, Violation } from '../../agent/shared/types.js';

const T0 = Date.UTC(2026, 2, 10, 4, 0);
const ref = (n: number): SnapshotRef => ({ sha256: String(n).repeat(64).slice(0, 64), bytes: 1000 + n, w: 200, h: 300, redaction: 'faces-blurred', file: `snapshots/e-r${n}.jpg` });
const ev = (phase: RuleEvent['phase'], over: Partial<RuleEvent> = {}): RuleEvent => ({
  type: 'gathering',
  phase,
  key: 'room:1',
  rule: { id: 'room.gathering', version: 1 },
  cameraId: 'hall-1',
  ts: 0,
  wallTs: T0,
  trackIds: [1, 2, 3],
  boxes: [],
  people: 3,
  confidence: 0.8,
  zoneId: 'room',
  ...over,
});

function setup(): { recorded: Violation[]; life: ViolationLifecycle } {
  const recorded: Violation[] = [];
  const sink: ViolationSink = { record: (v) => void recorded.push(v) };
  return { recorded, life: new ViolationLifecycle({ sink }) };
}

describe('ViolationLifecycle with snapshots', () => {
  it('puts a snapshot into the revision it came with and keeps it on later revisions', () => {
    const { recorded, life } = setup();
    life.handle(ev('start'), ref(1));
    life.handle(ev('update', { people: 4, wallTs: T0 + 1000 }));
    life.handle(ev('end', { wallTs: T0 + 2000 }));
    expect(recorded.map((v) => [v.state, v.rev, v.snapshot?.file ?? null])).toEqual([
      ['new', 1, 'snapshots/e-r1.jpg'],
      ['update', 2, 'snapshots/e-r1.jpg'],
      ['end', 3, 'snapshots/e-r1.jpg'],
    ]);
  });

  it('makes a better snapshot a revision of its own, even when nothing else changed', () => {
    const { recorded, life } = setup();
    life.handle(ev('start'));
    expect(life.handle(ev('update', { wallTs: T0 + 500 }))).toBeNull();
    const v = life.handle(ev('update', { wallTs: T0 + 1000 }), ref(2));
    expect(v).toMatchObject({ rev: 2, state: 'update', snapshot: ref(2), updatedAt: T0 + 1000 });
    expect(recorded).toHaveLength(2);
  });

  it('gives an instant violation its snapshot, and keeps snapshot null when none is given', () => {
    const { life } = setup();
    const cross = ev('instant', { type: 'line_cross', key: 'exit:1:in:1', lineId: 'exit', direction: 'in', zoneId: undefined });
    expect(life.handle(cross, ref(3))!.snapshot).toEqual(ref(3));
    expect(life.handle({ ...cross, key: 'exit:1:in:2' })!.snapshot).toBeNull();
  });

  it('tells whether an event belongs to an open violation, by the same key a SnapshotPolicy uses', () => {
    const { life } = setup();
    expect(life.isOpen(ev('update'))).toBe(false);
    life.handle(ev('start'));
    expect(life.isOpen(ev('update'))).toBe(true);
    expect(life.isOpen(ev('update', { key: 'room:2' }))).toBe(false);
    expect(violationKey(ev('update'))).toBe(violationKey(ev('end', { people: 9 })));
    expect(violationKey(ev('update'))).not.toBe(violationKey(ev('update', { cameraId: 'hall-2' })));
  });

  it('names the revision before it is recorded, so its snapshot file can be written first', () => {
    const { recorded, life } = setup();
    const first = life.revisionFor(ev('start'))!;
    expect(first.rev).toBe(1);
    expect(life.revisionFor(ev('start'))).toEqual(first); // asking twice reserves nothing new
    expect(life.handle(ev('start'), ref(1))).toMatchObject({ eventId: first.eventId, rev: 1 });
    expect(life.revisionFor(ev('update', { people: 5 }))).toEqual({ eventId: first.eventId, rev: 2 });
    expect(life.handle(ev('update', { people: 5 }), ref(2))).toMatchObject({ eventId: first.eventId, rev: 2 });
    expect(life.revisionFor(ev('end', { key: 'unknown' }))).toBeNull();
    // Instant violations: each crossing its own id.
    const a = ev('instant', { type: 'line_cross', key: 'exit:1:in:1', zoneId: undefined });
    const b = { ...a, key: 'exit:1:in:2' };
    const ida = life.revisionFor(a)!.eventId;
    const idb = life.revisionFor(b)!.eventId;
    expect(ida).not.toBe(idb);
    expect(life.handle(b)!.eventId).toBe(idb);
    expect(life.handle(a)!.eventId).toBe(ida);
    expect(recorded).toHaveLength(4);
  });

  it('keeps a reserved id through a refused write, so the retry matches the snapshot already written', () => {
    let fail = true;
    const recorded: Violation[] = [];
    const life = new ViolationLifecycle({
      sink: {
        record: (v) => {
          if (fail) throw new Error('SQLITE_BUSY');
          recorded.push(v);
        },
      },
    });
    const { eventId } = life.revisionFor(ev('start'))!;
    expect(() => life.handle(ev('start'), ref(1))).toThrow(/could not record gathering violation/);
    fail = false;
    expect(life.handle(ev('start'), ref(1))).toMatchObject({ eventId, rev: 1, snapshot: ref(1) });
    expect(recorded).toHaveLength(1);
  });
});
