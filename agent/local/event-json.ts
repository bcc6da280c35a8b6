import { z } from 'zod';
import type { SnapshotRef } from '../shared/types.js';
import type { DashboardEvent } from '../store/index.js';
import { EventPayload, Timestamp, isoMs, violationFields } from '../../contract/index.js';
import type { Names } from './names.js';

/**
 * A picture of an event as the API lists it: where to fetch it and its size. The local file path never leaves the
 * process (the route finds the file from the stored violation).
 */
export const PictureJson = z.strictObject({ url: z.string(), w: z.int().min(1), h: z.int().min(1), bytes: z.int().min(0) });
export type PictureJson = z.output<typeof PictureJson>;

export function pictureJson(ref: SnapshotRef | null | undefined, url: string): PictureJson | null {
  return ref ? { url, w: ref.w, h: ref.h, bytes: ref.bytes } : null;
}

const contract = EventPayload.shape;

/**
 * What the API calls an event: the hub contract's `qmon.event/1` less its envelope (who sent it, in what order) and
 * the model, with the contract's optional fields always present (null when not set: a page reads them without `in`),
 * the snapshot as a URL, and what only the facility knows: names from the config and the guards' acknowledgement.
 * Derived from the contract's schema, so a field the contract adds or changes shows up here too.
 */
export const EventJson = EventPayload.omit({
  schema: true,
  fid: true,
  session: true,
  seq: true,
  clock: true,
  replay: true,
  model: true,
  snapshot: true,
  line_id: true,
  zone_id: true,
  direction: true,
  reason: true,
}).extend({
  line_id: contract.line_id.unwrap().nullable(),
  zone_id: contract.zone_id.unwrap().nullable(),
  direction: contract.direction.unwrap().nullable(),
  reason: contract.reason.unwrap().nullable(),
  camera_name: z.string().nullable(),
  line_name: z.string().nullable(),
  zone_name: z.string().nullable(),
  snapshot: PictureJson.nullable(),
  /** The whole frame with the rule drawn and the moments around it, once the snapshot worker made it. */
  context: PictureJson.nullable(),
  acked_by: z.string().nullable(),
  acked_at: Timestamp.nullable(),
  note: z.string().nullable(),
  snoozed: z.boolean(),
});
export type EventJson = z.output<typeof EventJson>;

export function toEventJson(e: DashboardEvent, names: Names): EventJson {
  const v = e.violation;
  const { model: _model, snapshot: _snapshot, context: _context, line_id, zone_id, direction, reason, ...same } = violationFields(v);
  return {
    ...same,
    line_id: line_id ?? null,
    zone_id: zone_id ?? null,
    direction: direction ?? null,
    reason: reason ?? null,
    camera_name: names.camera(v.cameraId),
    line_name: names.line(v.cameraId, line_id),
    zone_name: names.zone(v.cameraId, zone_id),
    snapshot: pictureJson(v.snapshot, `/api/snapshots/${v.eventId}`),
    context: pictureJson(v.context, `/api/events/${v.eventId}/context`),
    acked_by: e.ack?.by ?? null,
    acked_at: e.ack ? isoMs(e.ack.at) : null,
    note: e.ack?.note ?? null,
    snoozed: e.snoozed,
  };
}
