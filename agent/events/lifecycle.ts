import { uuidv7 } from '../shared/ids.js';
import type { EpochMs, RuleEvent, RuleType, Severity, SnapshotRef, Violation } from '../shared/types.js';
import { DEFAULT_SEVERITY } from './severity.js';

/** Where violation revisions go; the store implements it (events + outbox row in one transaction). */
export interface ViolationSink {
  /** Must either record the revision durably or throw; a throw means "not recorded". */
  record(v: Violation): void;
}

/** A revision the sink refused; the lifecycle's state is as if the event had not arrived. */
export class ViolationSinkError extends Error {
  override readonly name = 'ViolationSinkError';
  constructor(
    readonly violation: Violation,
    cause: unknown,
  ) {
    // The cause's text stays in `cause` (it may hold paths); the message only names the revision.
    super(`could not record ${violation.type} violation ${violation.eventId} rev ${violation.rev} (${violation.state})`, {
      cause,
    });
  }
}

export interface ViolationLifecycleOptions {
  readonly sink: ViolationSink;
  /** Model behind a violation type, sent with it; null for types no model decides (camera health). */
  readonly modelFor?: (type: RuleType) => Violation['model'];
  /** Per-type overrides of DEFAULT_SEVERITY, for events whose rule names no severity of its own (RuleEvent.severity). */
  readonly severity?: Partial<Record<RuleType, Severity>>;
  /** For tests; UUIDv7 from the violation's start time by default. */
  readonly newEventId?: (wallTs: EpochMs) => string;
}

/**
 * Turns rule events into violation revisions: `new` → `update`… → `end`, one event id and an
 * increasing `rev` per violation.
 * - `instant` (a line crossing): one complete revision, `new` rev 1 with `endedAt === startedAt`.
 * - `start`: `new` rev 1 and the violation is open under (camera, rule id, key). A `start` for a key
 *   already open is handled as an `update`, never a second violation.
 * - `update`: rev + 1, only when something material changed (people count, zone). An update for a
 *   key that is not open opens it: the rule says the condition holds, and its `start` may have been
 *   refused by the sink.
 * - `end`: rev + 1 with `endedAt`, and the violation is forgotten; for an unknown key it is ignored.
 * - a `snapshot` handed with an event goes into that revision; for an open violation a new
 *   snapshot is itself a material change (a better picture is worth a revision). Later revisions
 *   keep the last snapshot.
 * - pictures made later (the pipeline's snapshot worker, off the per-frame path): `awaitPicture(v)` keeps the
 *   violation's newest revision known until its picture arrives, even after it ended (a crossing ends at once);
 *   `attachPicture` then records rev + 1 with the snapshot and nothing else changed. Its state is the one before,
 *   except that `new` becomes `update`. `abandonPicture` forgets a picture that will not come.
 * A revision becomes state only after the sink took it, so a refused revision is retried with the
 * same rev on the next change. Times are the events' wall times.
 */
export class ViolationLifecycle {
  private readonly open = new Map<string, Violation>();
  /** Violations with pictures still to come, by event id: their newest revision and how many pictures. */
  private readonly awaiting = new Map<string, { latest: Violation; key: string; pictures: number }>();
  private readonly sink: ViolationSink;
  private readonly severity: Readonly<Record<RuleType, Severity>>;
  private readonly modelFor: (type: RuleType) => Violation['model'];
  private readonly newEventId: (wallTs: EpochMs) => string;

  constructor(options: ViolationLifecycleOptions) {
    this.sink = options.sink;
    this.severity = { ...DEFAULT_SEVERITY, ...options.severity };
    this.modelFor = options.modelFor ?? (() => null);
    this.newEventId = options.newEventId ?? uuidv7;
  }

  /** Violations open now. */
  openCount(): number {
    return this.open.size;
  }

  /**
   * Applies one rule event; returns the revision recorded, or null when nothing changed.
   * Throws `ViolationSinkError` when the sink refused the revision (state left unchanged).
   */
  handle(ev: RuleEvent, snapshot: SnapshotRef | null = null): Violation | null {
    const k = violationKey(ev);
    const prev = this.open.get(k);
    switch (ev.phase) {
      case 'instant':
        return this.commit(this.first(ev, ev.wallTs, snapshot), null);
      case 'start':
      case 'update':
        if (!prev) return this.commit(this.first(ev, null, snapshot), k);
        if (!materialChange(prev, ev) && snapshot === null) return null;
        return this.commit(
          {
            ...prev,
            ...details(ev),
            rev: prev.rev + 1,
            state: 'update',
            people: ev.people,
            confidence: ev.confidence,
            updatedAt: ev.wallTs,
            snapshot: snapshot ?? prev.snapshot,
          },
          k,
        );
      case 'end':
        if (!prev) return null;
        return this.commit({ ...this.ending(prev, ev.wallTs), snapshot: snapshot ?? prev.snapshot }, k, true);
    }
  }

  /** Keeps `v` (a revision just recorded) known until a picture for it arrives or is abandoned. */
  awaitPicture(v: Violation, ev: RuleEvent): void {
    const a = this.awaiting.get(v.eventId);
    if (a) a.pictures++;
    else this.awaiting.set(v.eventId, { latest: v, key: violationKey(ev), pictures: 1 });
  }

  /** Pictures still to come (bounded by the caller's picture queue). */
  awaitingPictures(): number {
    let n = 0;
    for (const a of this.awaiting.values()) n += a.pictures;
    return n;
  }

  /**
   * Records the picture as a revision of its own: rev + 1 of the newest revision, `snapshot` (or, for the context
   * picture, `context`) set, nothing else changed (`new` becomes `update`; an ended violation stays ended). Null when no picture was awaited for
   * `eventId`. Throws ViolationSinkError when the sink refused it (still awaited: the caller abandons it).
   */
  attachPicture(eventId: string, snapshot: SnapshotRef, wallTs: EpochMs, kind: 'snapshot' | 'context' = 'snapshot'): Violation | null {
    const a = this.awaiting.get(eventId);
    if (!a) return null;
    const latest = a.latest;
    const v: Violation = {
      ...latest,
      rev: latest.rev + 1,
      state: latest.state === 'new' ? 'update' : latest.state,
      updatedAt: Math.max(latest.updatedAt, wallTs),
      ...(kind === 'snapshot' ? { snapshot } : { context: snapshot }),
    };
    const stillOpen = this.open.get(a.key)?.eventId === eventId;
    this.commit(v, stillOpen ? a.key : null);
    this.settle(eventId);
    return v;
  }

  /** A picture that will not come (failed, skipped): forgets it. */
  abandonPicture(eventId: string): void {
    this.settle(eventId);
  }

  /** Whether the violation `ev` belongs to is open (so a `start`/`update` would revise it). */
  isOpen(ev: RuleEvent): boolean {
    return this.open.has(violationKey(ev));
  }

  /** Ends every open violation (shutdown). Tries them all; throws an AggregateError if any failed. */
  closeAll(wallTs: EpochMs): Violation[] {
    const ended: Violation[] = [];
    const failed: ViolationSinkError[] = [];
    for (const [k, v] of [...this.open]) {
      try {
        ended.push(this.commit(this.ending(v, wallTs), k, true));
      } catch (e) {
        if (!(e instanceof ViolationSinkError)) throw e;
        failed.push(e);
      }
    }
    if (failed.length > 0) {
      throw new AggregateError(failed, `${failed.length} of ${failed.length + ended.length} open violations could not be ended`);
    }
    return ended;
  }

  private settle(eventId: string): void {
    const a = this.awaiting.get(eventId);
    if (a && --a.pictures <= 0) this.awaiting.delete(eventId);
  }

  private first(ev: RuleEvent, endedAt: EpochMs | null, snapshot: SnapshotRef | null): Violation {
    return {
      eventId: this.newEventId(ev.wallTs),
      rev: 1,
      state: 'new',
      type: ev.type,
      // The rule's configured severity (set by the rule engine from the camera's config) wins over the type's.
      severity: ev.severity ?? this.severity[ev.type],
      cameraId: ev.cameraId,
      rule: { id: ev.rule.id, version: ev.rule.version },
      ...details(ev),
      people: ev.people,
      confidence: ev.confidence,
      startedAt: ev.wallTs,
      endedAt,
      updatedAt: ev.wallTs,
      model: this.modelFor(ev.type),
      snapshot,
    };
  }

  private ending(v: Violation, wallTs: EpochMs): Violation {
    // A wall clock stepped back by NTP must not give a violation that ends before it started.
    const endedAt = Math.max(v.startedAt, wallTs);
    return { ...v, rev: v.rev + 1, state: 'end', endedAt, updatedAt: endedAt };
  }

  /** Records, then (and only then) makes the revision the state of `key` (and of a picture awaited for it). */
  private commit(v: Violation, key: string | null, closes = false): Violation {
    try {
      this.sink.record(v);
    } catch (e) {
      throw new ViolationSinkError(v, e);
    }
    const a = this.awaiting.get(v.eventId);
    if (a) a.latest = v;
    if (key !== null) {
      if (closes) this.open.delete(key);
      else this.open.set(key, v);
    }
    return v;
  }
}

/** Identifies a violation across its events: (camera, rule id, rule key). Also the SnapshotPolicy key. */
export function violationKey(ev: RuleEvent): string {
  return JSON.stringify([ev.cameraId, ev.rule.id, ev.key]);
}

/** The optional fields a violation copies from its rule event, present only when the event has them. */
function details(ev: RuleEvent): Pick<Violation, 'lineId' | 'zoneId' | 'direction' | 'reason'> {
  return {
    ...(ev.lineId !== undefined && { lineId: ev.lineId }),
    ...(ev.zoneId !== undefined && { zoneId: ev.zoneId }),
    ...(ev.direction !== undefined && { direction: ev.direction }),
    ...(ev.reason !== undefined && { reason: ev.reason }),
  };
}

/** What is worth a new revision (and an uplink message): who and where, not score jitter. */
function materialChange(v: Violation, ev: RuleEvent): boolean {
  // An event that does not name a zone keeps the violation's zone, so it is no zone change.
  return ev.people !== v.people || (ev.zoneId !== undefined && ev.zoneId !== v.zoneId);
}
