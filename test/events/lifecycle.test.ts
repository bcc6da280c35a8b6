import { describe, expect, it } from 'vitest';
import { DEFAULT_SEVERITY, ViolationLifecycle, ViolationSinkError, type ViolationSink } from '../../agent/events/index.js';
import { UUID_V7_RE } from '../../agent/shared/ids.js';
import type { RuleEvent, Violation } from '../../agent/shared/types.js';

const T0 = Date.UTC(2026, 2, 10, 4, 0);

/** A sink that keeps what it was given and can be told to fail the next n records. */
class MemorySink implements ViolationSink {
  readonly recorded: Violation[] = [];
  failNext = 0;
  record(v: Violation): void {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('SQLITE_FULL: database or disk is full (/var/lib/qmon/qmon.db)');
    }
    this.recorded.push(v);
  }
}

function ev(phase: RuleEvent['phase'], over: Partial<RuleEvent> = {}): RuleEvent {
  return {
    type: 'gathering',
    phase,
    key: 'whole-frame',
    rule: { id: 'gathering', version: 1 },
    cameraId: 'hall-1',
    ts: 0,
    wallTs: T0,
    trackIds: [1, 2, 3, 4, 5],
    boxes: [],
    people: 5,
    confidence: 0.8,
    zoneId: 'whole-frame',
    ...over,
  };
}

const crossing: RuleEvent = {
  type: 'line_cross',
  phase: 'instant',
  key: 'exit-a:7:in:1',
  rule: { id: 'exit-a', version: 1 },
  cameraId: 'corridor-a',
  ts: 1800,
  wallTs: T0 + 1800,
  trackIds: [7],
  boxes: [{ x1: 1, y1: 2, x2: 3, y2: 4 }],
  people: 1,
  confidence: 0.91,
  lineId: 'exit-a',
  direction: 'in',
};

function setup(): { sink: MemorySink; life: ViolationLifecycle } {
  const sink = new MemorySink();
  return { sink, life: new ViolationLifecycle({ sink }) };
}

describe('ViolationLifecycle', () => {
  it('turns an instant event into one complete revision', () => {
    const sink = new MemorySink();
    const life = new ViolationLifecycle({ sink, modelFor: (t) => (t === 'line_cross' ? { name: 'yolox-person', version: '1' } : null) });
    const v = life.handle(crossing);
    expect(v).toEqual({
      eventId: expect.stringMatching(UUID_V7_RE) as string,
      rev: 1,
      state: 'new',
      type: 'line_cross',
      severity: 'warning',
      cameraId: 'corridor-a',
      rule: { id: 'exit-a', version: 1 },
      lineId: 'exit-a',
      direction: 'in',
      people: 1,
      confidence: 0.91,
      startedAt: T0 + 1800,
      endedAt: T0 + 1800,
      updatedAt: T0 + 1800,
      model: { name: 'yolox-person', version: '1' },
      snapshot: null,
    });
    expect(sink.recorded).toEqual([v]);
    expect(life.openCount()).toBe(0);
    // Its UUIDv7 carries the start time.
    expect(parseInt(v!.eventId.replace(/-/g, '').slice(0, 12), 16)).toBe(T0 + 1800);
    // Two crossings are two violations.
    expect(life.handle({ ...crossing, key: 'exit-a:7:in:2' })!.eventId).not.toBe(v!.eventId);
  });

  it('runs start → update → end with one event id and increasing rev', () => {
    const { sink, life } = setup();
    life.handle(ev('start'));
    expect(life.openCount()).toBe(1);
    life.handle(ev('update', { people: 6, wallTs: T0 + 5000 }));
    life.handle(ev('update', { people: 7, wallTs: T0 + 9000 }));
    life.handle(ev('end', { people: 3, wallTs: T0 + 20_000 }));
    const r = sink.recorded;
    expect(r.map((v) => [v.state, v.rev, v.people])).toEqual([
      ['new', 1, 5],
      ['update', 2, 6],
      ['update', 3, 7],
      ['end', 4, 7],
    ]);
    expect(new Set(r.map((v) => v.eventId)).size).toBe(1);
    expect(r.map((v) => v.endedAt)).toEqual([null, null, null, T0 + 20_000]);
    expect(r.every((v) => v.startedAt === T0)).toBe(true);
    expect(r.map((v) => v.updatedAt)).toEqual([T0, T0 + 5000, T0 + 9000, T0 + 20_000]);
    expect(r[0]!.severity).toBe(DEFAULT_SEVERITY.gathering);
    expect(life.openCount()).toBe(0);
  });

  it('records an update only when the people count or zone changed', () => {
    const { sink, life } = setup();
    life.handle(ev('start'));
    expect(life.handle(ev('update', { confidence: 0.99, wallTs: T0 + 1000 }))).toBeNull();
    expect(life.handle(ev('update', { zoneId: undefined, wallTs: T0 + 1500 }))).toBeNull();
    expect(life.handle(ev('update', { zoneId: 'stairwell', wallTs: T0 + 2000 }))!.rev).toBe(2);
    expect(sink.recorded).toHaveLength(2);
    expect(sink.recorded[1]!.zoneId).toBe('stairwell');
  });

  it('does not open a second violation for a duplicate start', () => {
    const { sink, life } = setup();
    const first = life.handle(ev('start'))!;
    expect(life.handle(ev('start'))).toBeNull(); // nothing changed
    const changed = life.handle(ev('start', { people: 8 }))!;
    expect(changed).toMatchObject({ eventId: first.eventId, rev: 2, state: 'update', people: 8 });
    expect(life.openCount()).toBe(1);
    expect(sink.recorded).toHaveLength(2);
  });

  it('ignores an end for a key that is not open', () => {
    const { sink, life } = setup();
    expect(life.handle(ev('end'))).toBeNull();
    life.handle(ev('start'));
    expect(life.handle(ev('end', { key: 'other' }))).toBeNull();
    expect(life.handle(ev('end', { cameraId: 'hall-2' }))).toBeNull();
    expect(life.handle(ev('end', { rule: { id: 'gathering-2', version: 1 } }))).toBeNull();
    expect(sink.recorded).toHaveLength(1);
    expect(life.openCount()).toBe(1);
  });

  it('keeps violations apart by camera, rule and key', () => {
    const { life } = setup();
    const a = life.handle(ev('start'))!;
    const b = life.handle(ev('start', { cameraId: 'hall-2' }))!;
    const c = life.handle(ev('start', { key: 'zone-2' }))!;
    expect(new Set([a.eventId, b.eventId, c.eventId]).size).toBe(3);
    expect(life.openCount()).toBe(3);
  });

  it('opens a violation on an update for an unknown key (its start may have been refused)', () => {
    const { life } = setup();
    expect(life.handle(ev('update'))).toMatchObject({ state: 'new', rev: 1 });
    expect(life.openCount()).toBe(1);
  });

  it('never ends a violation before it started when the wall clock stepped back', () => {
    const { life } = setup();
    life.handle(ev('start'));
    expect(life.handle(ev('end', { wallTs: T0 - 60_000 }))).toMatchObject({ endedAt: T0, updatedAt: T0 });
  });

  it('gives a violation its rule’s configured severity (on the rule event) over the type’s', () => {
    const life = new ViolationLifecycle({ sink: new MemorySink(), severity: { line_cross: 'info' } });
    expect(life.handle({ ...crossing, severity: 'critical' })!.severity).toBe('critical');
    expect(life.handle({ ...crossing, key: 'other' })!.severity).toBe('info');
    // Masks are info unless their rule says otherwise: shown to guards, never sounded.
    expect(DEFAULT_SEVERITY.no_mask).toBe('info');
  });

  it('applies severity overrides and keeps the defaults for the rest', () => {
    const sink = new MemorySink();
    const life = new ViolationLifecycle({ sink, severity: { line_cross: 'critical' } });
    expect(life.handle(crossing)!.severity).toBe('critical');
    expect(life.handle(ev('start'))!.severity).toBe('warning');
    expect(life.handle(ev('start', { type: 'zone_intrusion', key: 'z' }))!.severity).toBe('critical');
  });
});

describe('ViolationLifecycle: sink failures and shutdown', () => {
  it('keeps its state when the sink throws: the next successful record has the right rev', () => {
    const { sink, life } = setup();
    const opened = life.handle(ev('start'))!;
    sink.failNext = 1;
    let err: unknown;
    try {
      life.handle(ev('update', { people: 6 }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ViolationSinkError);
    const se = err as ViolationSinkError;
    expect(se.message).toBe(`could not record gathering violation ${opened.eventId} rev 2 (update)`);
    expect(se.message).not.toMatch(/var\/lib/); // the sink's text stays in `cause`
    expect((se.cause as Error).message).toMatch(/SQLITE_FULL/);
    // The same change again (the rule repeats it): rev 2, not 3, and same event id.
    const next = life.handle(ev('update', { people: 6 }))!;
    expect(next).toMatchObject({ eventId: opened.eventId, rev: 2, state: 'update', people: 6 });
    expect(sink.recorded.map((v) => v.rev)).toEqual([1, 2]);
  });

  it('does not open a violation whose start was refused, and keeps it open when its end was refused', () => {
    const { sink, life } = setup();
    sink.failNext = 1;
    expect(() => life.handle(ev('start'))).toThrow(ViolationSinkError);
    expect(life.openCount()).toBe(0);
    const v = life.handle(ev('start'))!;
    sink.failNext = 1;
    expect(() => life.handle(ev('end', { wallTs: T0 + 10 }))).toThrow(ViolationSinkError);
    expect(life.openCount()).toBe(1);
    expect(life.handle(ev('end', { wallTs: T0 + 20 }))).toMatchObject({ eventId: v.eventId, rev: 2, state: 'end', endedAt: T0 + 20 });
    expect(life.openCount()).toBe(0);
  });

  it('lets a failed instant revision go unrecorded without leaving anything open', () => {
    const { sink, life } = setup();
    sink.failNext = 1;
    expect(() => life.handle(crossing)).toThrow(/could not record line_cross violation .* rev 1 \(new\)/);
    expect(life.openCount()).toBe(0);
    expect(sink.recorded).toEqual([]);
  });

  it('closeAll ends every open violation at the given time', () => {
    const { sink, life } = setup();
    const a = life.handle(ev('start'))!;
    life.handle(ev('update', { people: 9 }));
    const b = life.handle(ev('start', { key: 'z2', type: 'loitering', people: 1 }))!;
    const ended = life.closeAll(T0 + 60_000);
    expect(ended.map((v) => [v.eventId, v.rev, v.state, v.endedAt])).toEqual([
      [a.eventId, 3, 'end', T0 + 60_000],
      [b.eventId, 2, 'end', T0 + 60_000],
    ]);
    expect(life.openCount()).toBe(0);
    expect(life.closeAll(T0 + 70_000)).toEqual([]);
    expect(sink.recorded).toHaveLength(5);
  });

  it('closeAll tries every violation, keeps the refused ones open and reports them', () => {
    const { sink, life } = setup();
    life.handle(ev('start'));
    const b = life.handle(ev('start', { key: 'z2' }))!;
    sink.failNext = 1; // the first end fails, the second goes through
    let err: unknown;
    try {
      life.closeAll(T0 + 1000);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).message).toBe('1 of 2 open violations could not be ended');
    expect((err as AggregateError).errors[0]).toBeInstanceOf(ViolationSinkError);
    expect(sink.recorded.at(-1)).toMatchObject({ eventId: b.eventId, state: 'end' });
    expect(life.openCount()).toBe(1);
    expect(life.closeAll(T0 + 2000)).toHaveLength(1);
    expect(life.openCount()).toBe(0);
  });

  it('treats any throw from the sink as not recorded, also in closeAll', () => {
    const life = new ViolationLifecycle({
      sink: {
        record: (v) => {
          if (v.state === 'end') throw new TypeError('boom');
        },
      },
    });
    life.handle(ev('start'));
    // Still wrapped: any throw from the sink means "not recorded", so it is reported, not lost.
    expect(() => life.closeAll(T0)).toThrow(AggregateError);
    expect(life.openCount()).toBe(1);
  });
});
