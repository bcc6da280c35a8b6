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

  it('records a picture made later as a revision of its own, for an open violation and for a crossing that ended at once', () => {
    const { recorded, life } = setup();
    const open = life.handle(ev('start'))!;
    life.awaitPicture(open, ev('start'));
    life.handle(ev('update', { people: 4, wallTs: T0 + 500 }));
    // The picture arrives after a later revision: it revises the newest one, and later revisions keep it.
    expect(life.attachPicture(open.eventId, ref(1), T0 + 700)).toMatchObject({ eventId: open.eventId, rev: 3, state: 'update', people: 4, snapshot: ref(1), updatedAt: T0 + 700 });
    expect(life.handle(ev('end', { wallTs: T0 + 2000 }))).toMatchObject({ rev: 4, state: 'end', snapshot: ref(1) });

    const cross = ev('instant', { type: 'line_cross', key: 'exit:1:in:1', lineId: 'exit', direction: 'in', zoneId: undefined, wallTs: T0 + 3000 });
    const c = life.handle(cross)!;
    life.awaitPicture(c, cross);
    const pic = life.attachPicture(c.eventId, ref(2), T0 + 2500)!;
    expect(pic).toMatchObject({ rev: 2, state: 'update', startedAt: T0 + 3000, endedAt: T0 + 3000, snapshot: ref(2) });
    expect(pic.updatedAt, 'never earlier than the revision it follows').toBe(T0 + 3000);
    expect(life.awaitingPictures()).toBe(0);
    expect(life.attachPicture(c.eventId, ref(3), T0 + 4000), 'no second picture was awaited').toBeNull();
    expect(recorded.map((v) => [v.eventId === open.eventId ? 'open' : 'cross', v.rev, v.state])).toEqual([
      ['open', 1, 'new'],
      ['open', 2, 'update'],
      ['open', 3, 'update'],
      ['open', 4, 'end'],
      ['cross', 1, 'new'],
      ['cross', 2, 'update'],
    ]);
  });

  it('an ended violation stays ended with its picture; an abandoned picture is forgotten; a refused one can be abandoned', () => {
    let fail = false;
    const recorded: Violation[] = [];
    const life = new ViolationLifecycle({
      sink: {
        record: (v) => {
          if (fail) throw new Error('SQLITE_FULL');
          recorded.push(v);
        },
      },
    });
    const v = life.handle(ev('start'))!;
    life.awaitPicture(v, ev('start'));
    life.awaitPicture(v, ev('start'));
    life.handle(ev('end', { wallTs: T0 + 1000 }));
    expect(life.attachPicture(v.eventId, ref(1), T0 + 1500)).toMatchObject({ rev: 3, state: 'end', endedAt: T0 + 1000 });
    fail = true;
    expect(() => life.attachPicture(v.eventId, ref(2), T0 + 1600)).toThrow(/could not record gathering violation/);
    expect(life.awaitingPictures()).toBe(1);
    life.abandonPicture(v.eventId);
    expect(life.awaitingPictures()).toBe(0);
    expect(recorded.map((r) => r.rev)).toEqual([1, 2, 3]);
  });
});
