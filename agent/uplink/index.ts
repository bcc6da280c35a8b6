export { Uplink, SURVEY_INTERVAL_MS } from './uplink.js';
export type { UplinkOptions, UplinkEvents, UplinkStats } from './uplink-types.js';
export type { TlsOptions, ProtocolVersion } from './link.js';
export type { HubState } from './relay.js';
export { POLICY_META_KEY, type Policy } from './policy.js';
export { Backoff, ReconnectLoop, realTimers, type BackoffOptions, type Timers } from './reconnect.js';
