import { createHash } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import type { Logger } from '../ops/index.js';
import type { Violation } from '../shared/types.js';
import type { ProtocolVersion } from './link.js';
import type { SnapshotCommand } from './schemas.js';
import { topics } from './topics.js';

/** An image a hub did not collect within this is dropped by an MQTT 5 broker rather than kept. */
const SNAPSHOT_EXPIRY_S = 600;

/** Larger images are refused: brokers commonly cap messages near 1 MB, and a crop is far smaller. */
export const MAX_SNAPSHOT_BYTES = 1024 * 1024;

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
  const ref = v.snapshot;
  if (!ref) throw new Error(`event ${cmd.event_id} has no snapshot`);
  if (ref.sha256 !== cmd.sha256) {
    throw new Error(`snapshot ${short(cmd.sha256)} is not the current one of event ${cmd.event_id} (${short(ref.sha256)})`);
  }
  const bytes = source.read(ref.file);
  if (bytes === null) throw new Error(`snapshot of event ${cmd.event_id} is gone (removed by retention or disk pressure)`);
  if (bytes.length > MAX_SNAPSHOT_BYTES) throw new Error(`snapshot is ${bytes.length} bytes; at most ${MAX_SNAPSHOT_BYTES} are sent`);
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== ref.sha256) throw new Error(`snapshot file of event ${cmd.event_id} is damaged (sha256 ${short(actual)}); not sent`);
  return bytes;
}

/**
 * Answers `cmd/snapshot`: checks as above, then publishes the JPEG on `snap/{event_id}`, QoS 1, not
 * retained and (MQTT 5) expiring, so that no image stays on the broker. Returns the response result.
 */
export function publishSnapshot(
  client: MqttClient,
  link: { fid: string; protocolVersion: ProtocolVersion; logger: Logger },
  cmd: SnapshotCommand,
  from: { store: { violation(eventId: string): Violation | undefined }; files: ((file: string) => Buffer | null) | undefined; allowed: boolean },
): Record<string, number | string> {
  const files = from.files;
  if (!files) throw new Error('this agent keeps no snapshot files');
  const bytes = snapshotForHub(cmd, { violation: (id) => from.store.violation(id), read: files }, from.allowed);
  client.publish(topics.snap(link.fid, cmd.event_id), bytes, {
    qos: 1,
    retain: false,
    ...(link.protocolVersion === 5 && { properties: { messageExpiryInterval: SNAPSHOT_EXPIRY_S } }),
  });
  link.logger.info({ eventId: cmd.event_id, bytes: bytes.length }, 'snapshot sent to the hub');
  return { bytes: bytes.length, sha256: cmd.sha256 };
}
