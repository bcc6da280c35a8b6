/**
 * The hub contract `qmon/v1`, the only entry to it: topics, payload schemas (zod), the builders
 * and decoders both sides use, and the limits they share. The agent's uplink and the reference hub
 * both import this module, so they cannot disagree; `docs/hub-contract.md`, `docs/asyncapi.yaml`
 * and `docs/schemas/*.json` are generated from or checked against it.
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
  POLICY_KEYS,
  SnapshotCommand,
  ResponsePayload,
  type ReportedCameraState,
} from './schemas.js';
export {
  MAX_COMMAND_BYTES,
  MAX_SNAPSHOT_BYTES,
  MAX_ACK_SEQS,
  INBOUND_LIMITS,
  MAX_AGENT_CAMERAS,
  PACKET_OVERHEAD_BYTES,
  AGENT_MAX_PACKET_BYTES,
  HUB_MAX_PACKET_BYTES,
  MAX_SEQ_JUMP,
  MAX_SESSION_JUMP,
  MIN_REPLAY_RATE_PER_S,
  DEFAULT_UPLOAD_PORT,
  MAX_TIMER_MS,
  MAX_JSON_DEPTH,
  inboundProblem,
  type InboundKind,
} from './limits.js';
export {
  PayloadError,
  isoMs,
  encodePayload,
  decodePayload,
  encodeEvent,
  violationFields,
  type Decoded,
  type EventContext,
  type ViolationFields,
} from './encode.js';
export {
  buildStatus,
  buildBirth,
  buildHeartbeat,
  buildCamStatus,
  buildResponse,
  buildAck,
  buildHubState,
  buildResendCommand,
  buildSnapshotCommand,
  type BirthInfo,
  type CameraHealth,
  type CameraWork,
  type CameraStatus,
  type DashboardCounts,
  type HeartbeatInput,
  type OutboxCounts,
  type ResponseInput,
} from './payloads.js';
export { readerOf, isClosed } from './tolerant.js';
export {
  MESSAGES,
  HEARTBEAT_EXPIRY_S,
  SNAPSHOT_EXPIRY_S,
  WILL_DELAY_S,
  type ContractMessage,
  type MessageName,
} from './messages.js';
export {
  JSON_SCHEMA_SOURCES,
  TOLERANT_SCHEMA_FILES,
  jsonSchemaFor,
  jsonSchemaText,
  type JsonSchemaFile,
  type JsonSchemaTarget,
} from './json-schemas.js';
export { asyncApiDocument, asyncApiText } from './asyncapi.js';
export {
  SIG_ALG,
  keyId,
  publicKeyBase64,
  parsePublicKey,
  parsePrivateKey,
  generateSigningKey,
  signerOf,
  maybeSign,
  openSigned,
  trustedKeys,
  type Signer,
  type Opened,
  type SignatureProblem,
} from './signature.js';
