import type { z } from 'zod';
import type { EpochMs, SnapshotRef, Violation } from '../agent/shared/types.js';
import { EventPayload, type ClockInfo } from './schemas.js';
import { readerOf } from './tolerant.js';

/** A payload that failed its schema: says which payload and which fields, never the values. */
export class PayloadError extends Error {
  override name = 'PayloadError';
  constructor(
    readonly what: string,
    readonly issues: readonly string[],
  ) {
    super(`${what} payload is invalid: ${issues.join('; ')}`);
  }
}

function describeIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 8).map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
}

/** RFC 3339 UTC with milliseconds, e.g. `2026-01-01T00:00:00.000Z`. */
export function isoMs(ms: EpochMs): string {
  return new Date(ms).toISOString();
}

/**
 * What a SENDER calls: validates `value` against the strict `schema` (an unknown key is an error)
 * and returns the JSON bytes; throws PayloadError otherwise.
 */
export function encodePayload<S extends z.ZodType>(schema: S, what: string, value: z.input<S>): Buffer {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new PayloadError(what, describeIssues(parsed.error));
  return Buffer.from(JSON.stringify(parsed.data), 'utf8');
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * What a RECEIVER calls: parses and validates received bytes with the schema's tolerant reader
 * (unknown keys ignored and dropped, wrong types and missing fields refused; see `tolerant.ts`).
 * Never throws (a hostile payload must not crash anything).
 */
export function decodePayload<S extends z.ZodType>(schema: S, what: string, bytes: Buffer | string): Decoded<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch {
    return { ok: false, error: `${what} payload is not JSON` };
  }
  const parsed = readerOf(schema).safeParse(json);
  if (!parsed.success) return { ok: false, error: new PayloadError(what, describeIssues(parsed.error)).message };
  return { ok: true, value: parsed.data };
}

export interface EventContext {
  readonly fid: string;
  readonly session: number;
  readonly seq: number;
  /** True when the row goes to the backlog lane (the uplink was not live at enqueue time). */
  readonly replay: boolean;
  readonly clock: ClockInfo;
}

/** The part of `qmon.event/1` that describes the violation itself (not the envelope: who sent it, when, in what order). */
export type ViolationFields = Omit<EventPayload, 'schema' | 'fid' | 'session' | 'seq' | 'clock' | 'replay'>;

/**
 * A violation revision as the contract names its fields. Fields are picked one by one, so nothing the hub must not
 * see (the snapshot's local `file` path) can ride along by accident. The hub event (`encodeEvent`) and the guard
 * dashboard's local API (`agent/local/event-json.ts`) both start from it, so the two cannot drift apart.
 */
export function violationFields(v: Violation): ViolationFields {
  return {
    event_id: v.eventId,
    rev: v.rev,
    state: v.state,
    type: v.type,
    severity: v.severity,
    camera_id: v.cameraId,
    ...(v.zoneId !== undefined && { zone_id: v.zoneId }),
    ...(v.lineId !== undefined && { line_id: v.lineId }),
    ...(v.direction !== undefined && { direction: v.direction }),
    people: v.people,
    confidence: v.confidence,
    started_at: isoMs(v.startedAt),
    ended_at: v.endedAt === null ? null : isoMs(v.endedAt),
    ts: isoMs(v.updatedAt),
    rule: { id: v.rule.id, version: v.rule.version },
    model: v.model === null ? null : { name: v.model.name, version: v.model.version },
    snapshot: pictureFields(v.snapshot),
    context: pictureFields(v.context ?? null),
    ...(v.reason !== undefined && { reason: v.reason }),
  };
}

/** A picture as the contract names it: never its local file path. */
function pictureFields(p: SnapshotRef | null): ViolationFields['snapshot'] {
  return p === null ? null : { sha256: p.sha256, bytes: p.bytes, w: p.w, h: p.h, redaction: p.redaction };
}

/** Builds `qmon.event/1` for one violation revision (its fields and the envelope) and validates it. */
export function encodeEvent(v: Violation, ctx: EventContext): Buffer {
  const payload: EventPayload = {
    schema: 'qmon.event/1',
    fid: ctx.fid,
    session: ctx.session,
    seq: ctx.seq,
    ...violationFields(v),
    clock: { synced: ctx.clock.synced, source: ctx.clock.source },
    replay: ctx.replay,
  };
  return encodePayload(EventPayload, `qmon.event/1 (event ${v.eventId} rev ${v.rev})`, payload);
}

/**
 * The same event revision under another seq (`cmd/rebase` renumbers rows the hub never accepted): the bytes as
 * stored, read back without their `sig`, with `seq` replaced, encoded strictly again. The caller signs the result
 * (the seq is part of the signed bytes). Only for the agent's own stored rows: throws on anything else.
 */
export function reseqEvent(payload: Buffer, seq: number): Buffer {
  const body = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
  delete body.sig;
  return encodePayload(EventPayload, `qmon.event/1 (seq ${seq})`, { ...body, seq } as EventPayload);
}
