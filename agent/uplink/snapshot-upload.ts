import { createHash } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import type { Logger } from '../ops/index.js';
import type { Violation } from '../shared/types.js';
import { redactText } from '../ops/index.js';
import { httpsPut } from './https-put.js';
import type { ProtocolVersion, TlsOptions } from './link.js';
import { MAX_SNAPSHOT_BYTES, SNAPSHOT_EXPIRY_S, topics, type SnapshotCommand } from '../../contract/index.js';


const UPLOAD_TIMEOUT_MS = 30_000;

export interface SnapshotSource {
  /** The stored revision of an event, if this agent has it. */
  violation(eventId: string): Violation | undefined;
  /** A snapshot file's bytes by its stored path, or null when it is gone. */
  read(file: string): Buffer | null;
}

/**
 * The JPEG the hub asked for with `cmd/snapshot`, checked before anything is sent: uploads allowed
 * by policy, the event known, its current snapshot the one the hub named, the file still there, not
 * too large, and its bytes still hashing to the recorded sha256 (a damaged file is never sent as
 * evidence). Throws an Error whose message is the reason, which becomes the command's response.
 */
export function snapshotForHub(cmd: SnapshotCommand, source: SnapshotSource, uploadAllowed: boolean): Buffer {
  const short = (sha: string) => sha.slice(0, 12);
  if (!uploadAllowed) throw new Error('snapshot upload is off on this agent (policy snapshot_upload=false)');
  const v = source.violation(cmd.event_id);
  if (!v) throw new Error(`no event ${cmd.event_id} on this agent`);
  // Either of the event's current pictures: the snapshot (the crop) or the context picture (the whole frame).
  const pictures = [v.snapshot, v.context ?? null].filter((p): p is NonNullable<typeof p> => p !== null);
  if (pictures.length === 0) throw new Error(`event ${cmd.event_id} has no snapshot`);
  const ref = pictures.find((p) => p.sha256 === cmd.sha256);
  if (!ref) {
    throw new Error(`snapshot ${short(cmd.sha256)} is not the current one of event ${cmd.event_id} (${pictures.map((p) => short(p.sha256)).join(', ')})`);
  }
  const bytes = source.read(ref.file);
  if (bytes === null) throw new Error(`snapshot of event ${cmd.event_id} is gone (removed by retention or disk pressure)`);
  if (bytes.length > MAX_SNAPSHOT_BYTES) throw new Error(`snapshot is ${bytes.length} bytes; at most ${MAX_SNAPSHOT_BYTES} are sent`);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== ref.sha256) throw new Error(`snapshot file of event ${cmd.event_id} is damaged (sha256 ${short(actual)}); not sent`);
  return bytes;
}

/**
 * Where the agent may PUT a snapshot: only to the hub's upload service, i.e. https on the hub broker's
 * own host AND the pinned upload port — never to a host or port a command names (another service on
 * the hub machine is as wrong a target as another machine).
 */
export function uploadHostProblem(uploadUrl: string, hubUrl: string, uploadPort: number): string | null {
  let up: URL;
  try {
    up = new URL(uploadUrl);
  } catch {
    return 'upload_url is not a URL';
  }
  if (up.protocol !== 'https:') return 'upload_url must be https';
  if (up.username !== '' || up.password !== '') return 'upload_url must not carry credentials';
  const hubHost = new URL(hubUrl).hostname;
  if (up.hostname !== hubHost) return `upload_url host ${up.hostname} is not the hub's (${hubHost})`;
  const port = up.port === '' ? 443 : Number(up.port);
  return port === uploadPort ? null : `upload_url port ${port} is not the hub's upload port (${uploadPort}, hub.upload_port)`;
}

export interface SnapshotLink {
  readonly fid: string;
  readonly hubUrl: string;
  readonly tls: TlsOptions | undefined;
  readonly protocolVersion: ProtocolVersion;
  /** The pinned port of the hub's upload service (`hub.upload_port`). */
  readonly uploadPort: number;
  readonly logger: Logger;
  /** Told of every upload_url refused by `uploadHostProblem` (counted in UplinkStats). */
  readonly onUploadRefused?: (problem: string) => void;
}

/**
 * Answers `cmd/snapshot`: the checks of `snapshotForHub`, then a PUT to the hub's one-time
 * `upload_url` when it gave one (on its own host only), and MQTT on `snap/{event_id}` otherwise or
 * when the upload fails (QoS 1, not retained, expiring on MQTT 5, so no image stays on the broker).
 * Returns the response result: what was sent and which way.
 */
export async function deliverSnapshot(
  client: MqttClient,
  link: SnapshotLink,
  cmd: SnapshotCommand,
  from: { store: { violation(eventId: string): Violation | undefined }; files: ((file: string) => Buffer | null) | undefined; allowed: boolean },
): Promise<Record<string, number | string>> {
  if (!from.files) throw new Error('this agent keeps no snapshot files');
  const files = from.files;
  const bytes = snapshotForHub(cmd, { violation: (id) => from.store.violation(id), read: files }, from.allowed);
  const sent = { bytes: bytes.length, sha256: cmd.sha256 };
  let uploadError: string | null = null;
  if (cmd.upload_url !== undefined) {
    const problem = uploadHostProblem(cmd.upload_url, link.hubUrl, link.uploadPort);
    if (problem) {
      link.onUploadRefused?.(problem);
      throw new Error(problem);
    }
    const headers = { 'content-type': 'image/jpeg', 'x-qmon-fid': link.fid, 'x-qmon-event-id': cmd.event_id, 'x-qmon-sha256': cmd.sha256 };
    const status = await httpsPut(new URL(cmd.upload_url), bytes, headers, link.tls, UPLOAD_TIMEOUT_MS).catch((e: Error) => e);
    if (typeof status === 'number' && status >= 200 && status < 300) {
      link.logger.info({ eventId: cmd.event_id, bytes: bytes.length, status }, 'snapshot uploaded to the hub');
      return { ...sent, via: 'https', status };
    }
    uploadError = typeof status === 'number' ? `upload answered HTTP ${status}` : redactText(status.message);
    link.logger.warn({ eventId: cmd.event_id, err: uploadError }, 'snapshot upload failed; sending it over MQTT');
  }
  if (!client.connected) throw new Error(`not connected${uploadError ? ` (and ${uploadError})` : ''}`);
  client.publish(topics.snap(link.fid, cmd.event_id), bytes, {
    qos: 1,
    retain: false,
    ...(link.protocolVersion === 5 && { properties: { messageExpiryInterval: SNAPSHOT_EXPIRY_S } }),
  });
  link.logger.info({ eventId: cmd.event_id, bytes: bytes.length }, 'snapshot sent to the hub over MQTT');
  return { ...sent, via: 'mqtt', ...(uploadError !== null && { upload_error: uploadError.slice(0, 200) }) };
}
