/**
 * Limits of the hub contract `qmon/v1` that protect each side from the other (and from anyone else
 * who can publish on the broker). Every inbound topic has a byte limit that is checked BEFORE the
 * payload is parsed; a message over it is dropped unread and counted. The values are each schema's
 * worst case with a wide margin, so a conforming peer never comes near them.
 */

const KiB = 1024;

/** The largest snapshot JPEG that is sent or accepted (the agent refuses to send more). */
export const MAX_SNAPSHOT_BYTES = 1024 * KiB;

/** `cmd/*` payloads (agent inbound): a command is a handful of short fields. */
export const MAX_COMMAND_BYTES = 4096;

/**
 * Most cameras one agent reports in a heartbeat, and so runs: a 2-core box carries about 10 busy or 24+ quiet
 * cameras (agent/vision/README.md), so 32 leaves room; a facility with more cameras runs more agents.
 */
export const MAX_AGENT_CAMERAS = 32;

/** Most seqs in one `qmon.ack/1` (the hub chunks larger batches). */
export const MAX_ACK_SEQS = 1000;

/**
 * Byte limit per inbound topic kind, checked before `JSON.parse`. Each is the schema's worst case
 * with a wide margin: `ack` 1000 seqs of up to 16 digits ≈ 17 KiB → 24 KiB; `evt` ≈ 1.5 KiB with
 * every optional field at its maximum → 16 KiB; `hb` 32 cameras ≈ 8 KiB → 16 KiB; `birth` 4096
 * rules + 256 cameras + 32 models ≈ 560 KiB → 1 MiB (also depth-checked, see MAX_JSON_DEPTH);
 * `survey` 32 cameras, each with five texts of 128 three-byte characters ≈ 77 KiB → 128 KiB (1,000 minimal cameras
 * ≈ 300 KiB do not fit; a 10 k string fits the bytes but not the schema's 128 characters);
 * `status`, `cam-status`, `hub/state` a few hundred bytes → 1–2 KiB; `snap` the JPEG limit.
 */
export const INBOUND_LIMITS = {
  /** Agent side. */
  ack: 24 * KiB,
  cmd: MAX_COMMAND_BYTES,
  'hub-state': 1 * KiB,
  /** Hub side. */
  evt: 16 * KiB,
  status: 2 * KiB,
  birth: 1024 * KiB,
  hb: 16 * KiB,
  survey: 128 * KiB,
  'cam-status': 2 * KiB,
  res: 8 * KiB,
  snap: MAX_SNAPSHOT_BYTES,
} as const;

export type InboundKind = keyof typeof INBOUND_LIMITS;

/** Room for the fixed header, topic name and MQTT 5 properties on top of a payload limit. */
export const PACKET_OVERHEAD_BYTES = 1 * KiB;

/** MQTT 5 CONNECT `maximumPacketSize` the agent announces: its largest inbound limit plus overhead. */
export const AGENT_MAX_PACKET_BYTES = Math.max(INBOUND_LIMITS.ack, INBOUND_LIMITS.cmd, INBOUND_LIMITS['hub-state']) + PACKET_OVERHEAD_BYTES;

/** MQTT 5 CONNECT `maximumPacketSize` the hub announces: the snapshot limit plus overhead. */
export const HUB_MAX_PACKET_BYTES = INBOUND_LIMITS.snap + PACKET_OVERHEAD_BYTES;

/**
 * A status or birth whose session is above both this far over the highest one the hub has seen (persisted in
 * its facilities table) and MAX_SESSION_AHEAD_S over the hub's clock (in seconds since the epoch) is refused.
 * Agents take their session from the clock (seconds since the epoch, or one more than the last when that is
 * higher: see the contract's "Session"), so a real one is never ahead of the hub's clock by more than a clock
 * error; an older agent adds one per connection attempt (~600 a day at the longest backoff), far inside the jump.
 * A forged 2^53 − 1 would otherwise make every real status "older" and show a live facility offline for good.
 */
export const MAX_SESSION_JUMP = 100_000;
/** How far (seconds) an agent's clock-based session may be ahead of the hub's clock. */
export const MAX_SESSION_AHEAD_S = 86_400;

/** `replay_rate_per_s` below this is refused (the backlog would effectively never drain). */
export const MIN_REPLAY_RATE_PER_S = 0.1;

/**
 * The port of the hub's snapshot upload service that agents accept in an `upload_url` unless their
 * config pins another (`hub.upload_port`); run the reference hub with `--upload-listen HOST:8443`.
 */
export const DEFAULT_UPLOAD_PORT = 8443;

/** Node's timers fire at once (after a warning) when asked for more than 2^31 − 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Deepest JSON nesting accepted (a conforming payload nests 3 levels). Checked by a byte scan before
 * `JSON.parse`: parsing 1 MiB of `[[[[…` costs V8 about a second, scanning it a millisecond.
 */
export const MAX_JSON_DEPTH = 16;

/**
 * Why an inbound payload must be dropped unread, or null when it may be parsed: over its topic's byte
 * limit, or (for JSON topics) nested deeper than MAX_JSON_DEPTH. Never looks at more than the limit.
 */
export function inboundProblem(kind: InboundKind, payload: Uint8Array): string | null {
  const limit = INBOUND_LIMITS[kind];
  if (payload.length > limit) return `${kind} payload is ${payload.length} bytes; at most ${limit}`;
  if (kind === 'snap') return null; // raw JPEG, never parsed
  let depth = 0;
  let inString = false;
  for (let i = 0; i < payload.length; i++) {
    const c = payload[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return `${kind} payload nests deeper than ${MAX_JSON_DEPTH}`;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return null;
}
