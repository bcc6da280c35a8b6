/**
 * The hub contract `qmon/v1` in one import: topics, payload schemas (zod) and the encoders and
 * decoders both sides use. The reference hub imports this module, so agent and hub cannot disagree.
 */
export {
  TOPIC_ROOT,
  FID_RE,
  CAMERA_ID_RE,
  EVENT_ID_RE,
  topics,
  hubFilters,
  parseTopic,
  fidProblem,
  assertFid,
  type ParsedTopic,
  type TopicKind,
} from './topics.js';
export {
  Timestamp,
  EventId,
  ClockInfo,
  RULE_TYPES,
  CAMERA_STATES,
  RESEND_MAX_ROWS,
  EventPayload,
  StatusPayload,
  BirthPayload,
  HeartbeatPayload,
  CamStatusPayload,
  AckPayload,
  HubStatePayload,
  RebirthCommand,
  ResendCommand,
  SetPolicyCommand,
  SnapshotCommand,
  MAX_COMMAND_BYTES,
  ResponsePayload,
  type CameraState,
} from './schemas.js';
export {
  PayloadError,
  isoMs,
  encodePayload,
  decodePayload,
  encodeEvent,
  type Decoded,
  type EventContext,
} from './encode.js';
export { JSON_SCHEMA_SOURCES, jsonSchemaFor, jsonSchemaText, type JsonSchemaFile } from './json-schemas.js';
