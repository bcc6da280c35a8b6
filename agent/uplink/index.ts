export { Uplink } from './uplink.js';
export type { UplinkOptions, UplinkEvents, UplinkStats } from './uplink-types.js';
export type { BirthInfo, CameraHealth, CameraStatus } from './payloads.js';
export type { TlsOptions, ProtocolVersion } from './link.js';
export type { HubState } from './relay.js';
export { POLICY_META_KEY, type Policy } from './policy.js';
export { Backoff, ReconnectLoop, realTimers, type BackoffOptions, type Timers } from './reconnect.js';
export {
  encodeEvent,
  PayloadError,
  topics,
  fidProblem,
  FID_RE,
  CAMERA_ID_RE,
  type ClockInfo,
  type EventContext,
  type EventPayload,
  type CameraState,
  type SetPolicyCommand,
} from './contract.js';
