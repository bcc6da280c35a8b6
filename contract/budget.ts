/**
 * What one facility can legitimately send, from the contract's own caps: the hub admits each facility's messages
 * and bytes within this budget (a token bucket each) and bounds how far its seqs may jump by the same rates. A
 * facility sending more is misbehaving (a bug, or a stolen key): the excess is dropped and counted, the agent's
 * outbox resends what mattered after its ACK timeout, and nobody else waits for it.
 */
import { INBOUND_LIMITS, MAX_AGENT_CAMERAS } from './limits.js';

/**
 * Violation revisions (seqs) one camera produces per second at most, sustained: a revision is a violation
 * starting, changing materially (people count, zone) or ending, decided at the detect rate (5 fps) from tracks
 * that persist over seconds. A busy corridor camera makes a few per minute.
 */
export const MAX_CAMERA_REVISIONS_PER_S = 2;

/** The backlog replay rate agents use unless their config (`hub.replay_rate_per_s`) or `cmd/set-policy` says otherwise. */
export const DEFAULT_REPLAY_RATE_PER_S = 5;

/** The shortest heartbeat period an agent accepts (config `hub.heartbeat_s`, `cmd/set-policy heartbeat_s`). */
export const MIN_HEARTBEAT_S = 10;

/** Events an agent has published and not had acknowledged, at most (its in-flight window). */
export const MAX_IN_FLIGHT = 16;

/** Seqs a facility can produce per second at most: every camera at its revision cap. */
export const MAX_SEQ_RATE_PER_S = MAX_AGENT_CAMERAS * MAX_CAMERA_REVISIONS_PER_S;

/**
 * How far above the highest seq a hub has seen an event's seq may be, on top of what the facility could have
 * produced since that seq arrived (MAX_SEQ_RATE_PER_S × the time since): a burst recorded at once (an outage's
 * `enqueueMany`) and the in-flight window, with a wide margin. A jump beyond is refused and flagged (`seq_jump`):
 * a +999,999 seq would otherwise make every seq below it look delivered (gaps that big are not tracked).
 */
export const SEQ_JUMP_SLACK = 1_000;

/** A token bucket's size: the sustained rate and the burst it allows. */
export interface Rate {
  readonly perS: number;
  readonly burst: number;
}

export interface FacilityBudget {
  readonly messages: Rate;
  readonly bytes: Rate;
}

/** The usual size of an event as it travels (about 1 KiB of JSON and its 130-byte signature), with margin. */
const TYPICAL_EVENT_BYTES = 2 * 1024;

/**
 * One facility's budget at a hub:
 * - messages per second: every camera's revisions (MAX_AGENT_CAMERAS × MAX_CAMERA_REVISIONS_PER_S), the backlog
 *   replay cap, and one more for heartbeats (at most one per MIN_HEARTBEAT_S), command responses and camera
 *   status changes;
 * - message burst: twice a (re)connect's announcements (birth, status, a status per camera) plus the in-flight
 *   window, so reconnects and resends after an ACK timeout pass;
 * - bytes: that rate of typical events plus a full heartbeat per MIN_HEARTBEAT_S; the byte burst holds the
 *   largest birth, a window of the largest events and a status per camera, so one birth passes and sixty do not.
 */
export function facilityBudget(replayRatePerS: number = DEFAULT_REPLAY_RATE_PER_S): FacilityBudget {
  const perS = MAX_SEQ_RATE_PER_S + replayRatePerS + 1;
  const connect = 2 + MAX_AGENT_CAMERAS;
  return {
    messages: { perS, burst: 2 * (connect + MAX_IN_FLIGHT) },
    bytes: {
      perS: perS * TYPICAL_EVENT_BYTES + INBOUND_LIMITS.hb / MIN_HEARTBEAT_S,
      burst: INBOUND_LIMITS.birth + MAX_IN_FLIGHT * INBOUND_LIMITS.evt + MAX_AGENT_CAMERAS * INBOUND_LIMITS['cam-status'],
    },
  };
}
