import type { DashboardEvent } from '../store/index.js';
import { isoMs } from '../contract/index.js';

/** What the API calls an event: the hub contract's fields (snake_case) plus the guards' acknowledgement. */
export interface EventJson {
  readonly event_id: string;
  readonly rev: number;
  readonly state: string;
  readonly type: string;
  readonly severity: string;
  readonly camera_id: string;
  readonly camera_name: string | null;
  readonly rule: { readonly id: string; readonly version: number };
  readonly line_id: string | null;
  readonly zone_id: string | null;
  readonly direction: string | null;
  readonly people: number;
  readonly confidence: number;
  readonly started_at: string;
  readonly ended_at: string | null;
  readonly ts: string;
  readonly reason: string | null;
  readonly snapshot: { readonly url: string; readonly w: number; readonly h: number; readonly bytes: number } | null;
  readonly acked_by: string | null;
  readonly acked_at: string | null;
  readonly note: string | null;
  readonly snoozed: boolean;
}


export function toEventJson(e: DashboardEvent, cameraName: (id: string) => string | null): EventJson {
  const v = e.violation;
  return {
    event_id: v.eventId,
    rev: v.rev,
    state: v.state,
    type: v.type,
    severity: v.severity,
    camera_id: v.cameraId,
    camera_name: cameraName(v.cameraId),
    rule: { id: v.rule.id, version: v.rule.version },
    line_id: v.lineId ?? null,
    zone_id: v.zoneId ?? null,
    direction: v.direction ?? null,
    people: v.people,
    confidence: v.confidence,
    started_at: isoMs(v.startedAt),
    ended_at: v.endedAt === null ? null : isoMs(v.endedAt),
    ts: isoMs(v.updatedAt),
    reason: v.reason ?? null,
    // The local file path never leaves the process: the page asks for the picture by event id.
    snapshot: v.snapshot === null ? null : { url: `/api/snapshots/${v.eventId}`, w: v.snapshot.w, h: v.snapshot.h, bytes: v.snapshot.bytes },
    acked_by: e.ack?.by ?? null,
    acked_at: e.ack ? isoMs(e.ack.at) : null,
    note: e.ack?.note ?? null,
    snoozed: e.snoozed,
  };
}
