/**
 * Topic names of the hub contract `qmon/v1` (docs: HUB-CONTRACT.md). The agent publishes only under
 * `qmon/v1/{fid}/` and subscribes only to its own `ack`, `cmd/#` and `qmon/v1/hub/state`, so a
 * broker ACL keyed on the client id is enough.
 */

export const TOPIC_ROOT = 'qmon/v1';
export const FID_RE = /^[a-z0-9-]{3,32}$/;
export const CAMERA_ID_RE = /^[a-z0-9-]{1,64}$/;
/** UUIDv7 (what the agent creates) or ULID (allowed by the contract). */
export const EVENT_ID_RE = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|[0-9A-HJKMNP-TV-Z]{26})$/;
/** `hub` is the hub's own namespace (`qmon/v1/hub/state`), so no facility may be called that. */
const RESERVED_FIDS = new Set(['hub']);

export function fidProblem(fid: string): string | null {
  if (!FID_RE.test(fid)) return `facility id "${fid}" must match ${String(FID_RE)}`;
  if (RESERVED_FIDS.has(fid)) return `facility id "${fid}" is reserved`;
  return null;
}

export function assertFid(fid: string): void {
  const problem = fidProblem(fid);
  if (problem) throw new Error(problem);
}

export const topics = {
  status: (fid: string) => `${TOPIC_ROOT}/${fid}/status`,
  birth: (fid: string) => `${TOPIC_ROOT}/${fid}/birth`,
  hb: (fid: string) => `${TOPIC_ROOT}/${fid}/hb`,
  /** The camera survey (`qmon.survey/1`), retained: on connect and daily. */
  survey: (fid: string) => `${TOPIC_ROOT}/${fid}/survey`,
  evt: (fid: string) => `${TOPIC_ROOT}/${fid}/evt`,
  ack: (fid: string) => `${TOPIC_ROOT}/${fid}/ack`,
  res: (fid: string) => `${TOPIC_ROOT}/${fid}/res`,
  cmd: (fid: string, name: string) => `${TOPIC_ROOT}/${fid}/cmd/${name}`,
  cmdFilter: (fid: string) => `${TOPIC_ROOT}/${fid}/cmd/#`,
  camStatus: (fid: string, cameraId: string) => `${TOPIC_ROOT}/${fid}/cam/${cameraId}/status`,
  /** A snapshot's JPEG bytes, sent only when the hub asks (`cmd/snapshot`); never retained. */
  snap: (fid: string, eventId: string) => `${TOPIC_ROOT}/${fid}/snap/${eventId}`,
  hubState: `${TOPIC_ROOT}/hub/state`,
} as const;

/** Subscription filters of a hub consumer (all facilities). */
export const hubFilters = {
  evt: `${TOPIC_ROOT}/+/evt`,
  status: `${TOPIC_ROOT}/+/status`,
  birth: `${TOPIC_ROOT}/+/birth`,
  hb: `${TOPIC_ROOT}/+/hb`,
  survey: `${TOPIC_ROOT}/+/survey`,
  camStatus: `${TOPIC_ROOT}/+/cam/+/status`,
  snap: `${TOPIC_ROOT}/+/snap/+`,
} as const;

export type TopicKind = 'status' | 'birth' | 'hb' | 'survey' | 'evt' | 'ack' | 'res' | 'cmd' | 'cam-status' | 'snap' | 'hub-state';

export interface ParsedTopic {
  readonly kind: TopicKind;
  /** Absent for `hub-state`. */
  readonly fid?: string;
  readonly cameraId?: string;
  readonly cmd?: string;
  /** For `snap`. */
  readonly eventId?: string;
}

/** Reads a `qmon/v1/...` topic; null for anything outside the contract. */
export function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts[0] !== 'qmon' || parts[1] !== 'v1') return null;
  const fid = parts[2];
  if (fid === undefined) return null;
  if (fid === 'hub') return parts.length === 4 && parts[3] === 'state' ? { kind: 'hub-state' } : null;
  if (!FID_RE.test(fid)) return null;
  const rest = parts.slice(3);
  if (rest.length === 1) {
    const kind = rest[0];
    if (kind === 'status' || kind === 'birth' || kind === 'hb' || kind === 'survey' || kind === 'evt' || kind === 'ack' || kind === 'res') {
      return { kind, fid };
    }
    return null;
  }
  if (rest.length === 2 && rest[0] === 'cmd' && rest[1]) return { kind: 'cmd', fid, cmd: rest[1] };
  if (rest.length === 2 && rest[0] === 'snap' && EVENT_ID_RE.test(rest[1] ?? '')) return { kind: 'snap', fid, eventId: rest[1]! };
  if (rest.length === 3 && rest[0] === 'cam' && rest[2] === 'status' && CAMERA_ID_RE.test(rest[1] ?? '')) {
    return { kind: 'cam-status', fid, cameraId: rest[1]! };
  }
  return null;
}
