import type { z } from 'zod';
import {
  AckPayload,
  BirthPayload,
  CamStatusPayload,
  EventPayload,
  HeartbeatPayload,
  HubStatePayload,
  RebirthCommand,
  RebaseCommand,
  ResendCommand,
  ResponsePayload,
  SetPolicyCommand,
  SnapshotCommand,
  StatusPayload,
  SurveyPayload,
} from './schemas.js';
import { MAX_SNAPSHOT_BYTES } from './limits.js';

/**
 * Every message of `qmon/v1` in one table: where it goes, who publishes it, with which QoS, retain
 * and expiry, and its payload. The JSON Schema files, `docs/asyncapi.yaml` and the topic table of
 * `docs/hub-contract.md` are generated from or checked against this list.
 */
export interface ContractMessage {
  /** Id in the AsyncAPI document and the tag of the doc's example blocks. */
  readonly name: string;
  readonly title: string;
  /** Topic with `{fid}`, `{camera_id}`, `{event_id}` parameters. */
  readonly channel: string;
  readonly publisher: 'agent' | 'hub';
  readonly qos: 0 | 1;
  readonly retain: boolean;
  /** MQTT 5 message expiry in seconds; absent when the message does not expire. */
  readonly expiryS?: number;
  /** A JSON payload's schema, or the raw JPEG bytes of a snapshot. */
  readonly payload: z.ZodType | 'jpeg';
  /** Its JSON Schema file under `docs/schemas/` (JSON payloads only). */
  readonly schemaFile?: string;
  /** The command this message answers (`res`) or, for a command, that `res` answers it. */
  readonly reply?: string;
  readonly summary: string;
}

/** Seconds an unread heartbeat lives on an MQTT 5 broker (it is stale by then anyway). */
export const HEARTBEAT_EXPIRY_S = 120;
/** Seconds a snapshot published on MQTT lives on an MQTT 5 broker (no image stays there). */
export const SNAPSHOT_EXPIRY_S = 600;
/** Seconds an MQTT 5 broker waits before publishing the agent's Will (a quick reconnect cancels it). */
export const WILL_DELAY_S = 30;

export const MESSAGES = [
  {
    name: 'event',
    title: 'qmon.event/1',
    channel: 'qmon/v1/{fid}/evt',
    publisher: 'agent',
    qos: 1,
    retain: false,
    payload: EventPayload,
    schemaFile: 'qmon.event-1.schema.json',
    summary: 'One revision of a violation (new, update, end); ACKed by seq after the hub commits it.',
  },
  {
    name: 'status',
    title: 'qmon.status/1',
    channel: 'qmon/v1/{fid}/status',
    publisher: 'agent',
    qos: 1,
    retain: true,
    payload: StatusPayload,
    schemaFile: 'qmon.status-1.schema.json',
    summary: `Agent online/offline/stopping; the offline one is also the Will (delay ${WILL_DELAY_S} s on MQTT 5).`,
  },
  {
    name: 'birth',
    title: 'qmon.birth/1',
    channel: 'qmon/v1/{fid}/birth',
    publisher: 'agent',
    qos: 1,
    retain: true,
    payload: BirthPayload,
    schemaFile: 'qmon.birth-1.schema.json',
    summary: 'What the agent runs (version, config hash, cameras, rules, models, last seq); on every connect and cmd/rebirth.',
  },
  {
    name: 'hb',
    title: 'qmon.hb/1',
    channel: 'qmon/v1/{fid}/hb',
    publisher: 'agent',
    qos: 0,
    retain: false,
    expiryS: HEARTBEAT_EXPIRY_S,
    payload: HeartbeatPayload,
    schemaFile: 'qmon.hb-1.schema.json',
    summary: 'Heartbeat: outbox backlog, cameras, disk, clock (every 60 s by default; cmd/set-policy heartbeat_s).',
  },
  {
    name: 'survey',
    title: 'qmon.survey/1',
    channel: 'qmon/v1/{fid}/survey',
    publisher: 'agent',
    qos: 1,
    retain: true,
    payload: SurveyPayload,
    schemaFile: 'qmon.survey-1.schema.json',
    summary: 'Camera survey: per camera its make and model, profile, measured stream, default password, clock offset, uptime over 24 h, grade, rules; on every connect and daily.',
  },
  {
    name: 'cam-status',
    title: 'qmon.cam-status/1',
    channel: 'qmon/v1/{fid}/cam/{camera_id}/status',
    publisher: 'agent',
    qos: 1,
    retain: true,
    payload: CamStatusPayload,
    schemaFile: 'qmon.cam-status-1.schema.json',
    summary: 'One camera: online, degraded, offline or disabled, with a reason code and since when.',
  },
  {
    name: 'res',
    title: 'qmon.res/1',
    channel: 'qmon/v1/{fid}/res',
    publisher: 'agent',
    qos: 1,
    retain: false,
    payload: ResponsePayload,
    schemaFile: 'qmon.res-1.schema.json',
    summary: 'The response to every command (its id echoed; MQTT 5 correlation data echoed too).',
  },
  {
    name: 'snap',
    title: 'snapshot JPEG',
    channel: 'qmon/v1/{fid}/snap/{event_id}',
    publisher: 'agent',
    qos: 1,
    retain: false,
    expiryS: SNAPSHOT_EXPIRY_S,
    payload: 'jpeg',
    summary: `Raw JPEG bytes (no JSON, no base64, at most ${MAX_SNAPSHOT_BYTES} bytes), only when cmd/snapshot asked and gave no upload_url or the upload failed.`,
  },
  {
    name: 'ack',
    title: 'qmon.ack/1',
    channel: 'qmon/v1/{fid}/ack',
    publisher: 'hub',
    qos: 1,
    retain: false,
    payload: AckPayload,
    schemaFile: 'qmon.ack-1.schema.json',
    summary: 'The seqs of events the hub has committed (at most 1000 per message).',
  },
  {
    name: 'hub-state',
    title: 'qmon.hub-state/1',
    channel: 'qmon/v1/hub/state',
    publisher: 'hub',
    qos: 1,
    retain: true,
    payload: HubStatePayload,
    schemaFile: 'qmon.hub-state-1.schema.json',
    summary: 'Hub availability (also the hub\'s Will); agents send their backlog only while online && accepting.',
  },
  {
    name: 'cmd-rebirth',
    title: 'qmon.cmd/1 rebirth',
    channel: 'qmon/v1/{fid}/cmd/rebirth',
    publisher: 'hub',
    qos: 1,
    retain: false,
    payload: RebirthCommand,
    schemaFile: 'qmon.cmd-rebirth-1.schema.json',
    reply: 'res',
    summary: 'Publish birth again (an empty payload is allowed).',
  },
  {
    name: 'cmd-resend',
    title: 'qmon.cmd/1 resend',
    channel: 'qmon/v1/{fid}/cmd/resend',
    publisher: 'hub',
    qos: 1,
    retain: false,
    payload: ResendCommand,
    schemaFile: 'qmon.cmd-resend-1.schema.json',
    reply: 'res',
    summary: 'Send the rows from_seq..to_seq again, byte-identical (at most 100000 seqs).',
  },
  {
    name: 'cmd-set-policy',
    title: 'qmon.cmd/1 set-policy',
    channel: 'qmon/v1/{fid}/cmd/set-policy',
    publisher: 'hub',
    qos: 1,
    retain: false,
    payload: SetPolicyCommand,
    schemaFile: 'qmon.cmd-set-policy-1.schema.json',
    reply: 'res',
    summary: 'Override replay_rate_per_s, heartbeat_s, snapshot_upload (persisted by the agent); an unknown key is refused.',
  },
  {
    name: 'cmd-snapshot',
    title: 'qmon.cmd/1 snapshot',
    channel: 'qmon/v1/{fid}/cmd/snapshot',
    publisher: 'hub',
    qos: 1,
    retain: false,
    payload: SnapshotCommand,
    schemaFile: 'qmon.cmd-snapshot-1.schema.json',
    reply: 'res',
    summary: 'Send the snapshot of event_id whose sha256 is given: HTTPS PUT to upload_url, else on snap/{event_id}.',
  },
  {
    name: 'cmd-rebase',
    title: 'qmon.cmd/1 rebase',
    channel: 'qmon/v1/{fid}/cmd/rebase',
    publisher: 'hub',
    qos: 1,
    retain: false,
    payload: RebaseCommand,
    schemaFile: 'qmon.cmd-rebase-1.schema.json',
    reply: 'res',
    summary: 'The agent\'s session or seqs went back below what the hub has seen (a replaced store): move above session and seq.',
  },
] as const satisfies readonly ContractMessage[];

export type MessageName = (typeof MESSAGES)[number]['name'];
