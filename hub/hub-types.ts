/** The reference hub's options, counters and events (its public types; the hub itself is in hub.ts). */
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../agent/shared/clock.js';
import type { Logger } from '../agent/ops/index.js';
import type { EventPayload, FacilityBudget, StatusPayload } from '../contract/index.js';
import type { HubDrop } from './admission.js';
import type { ResendRange } from './facilities.js';
import type { HubStore } from './store.js';
import type { HubTls } from './hub-client.js';
import type { SurveyOutcome } from './survey-store.js';

export interface ReferenceHubOptions {
  readonly url: string;
  /** SQLite file of the hub's own database, or ':memory:' (ignored when `store` is given). */
  readonly dbFile: string;
  /** An opened store (PgHubStore.open for PostgreSQL); the hub closes it on stop. Default: SQLite at `dbFile`. */
  readonly store?: HubStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /**
   * Subscribe to events and heartbeats as `$share/hub/...`, for several hub processes on one database. The
   * connection then has no persistent session, so a dead process leaves no queue behind that would hold
   * its share of messages (what it had in flight comes back by the agent's ACK timeout).
   */
  readonly shared?: boolean;
  readonly clientId?: string;
  /** For an `mqtts://` broker: the pinned CA and the hub's client certificate (its identity in the broker's ACL). */
  readonly tls?: HubTls;
  /** For a password listener; from the environment, never from the command line. */
  readonly username?: string;
  readonly password?: string;
  /** 5 by default, with a fall back to 4 when the broker refuses 5 (aedes speaks 3.1.1). */
  readonly protocolVersion?: 4 | 5;
  readonly reconnectMs?: number;
  readonly hbStaleMs?: number;
  /** How long a seq may be missing before the hub asks for it (the backlog arrives late by design). */
  readonly gapGraceMs?: number;
  readonly gapCheckMs?: number;
  /** Where to keep the snapshot images the hub fetches (`cmd/snapshot`); without it none are asked for. */
  readonly snapshotDir?: string;
  /** Public `https://host[:port]` of the upload service (startHubUpload); agents then PUT instead of MQTT. */
  readonly uploadUrl?: string;
  /** Facilities registered at start (added to the registry if missing): the demo's embedded hub names its own. */
  readonly facilities?: readonly string[];
  /** Public keys (PEM or raw base64) of facilities to register or re-key at start: the demo's embedded hub wires its agent's key. */
  readonly facilityKeys?: ReadonlyMap<string, string>;
  /**
   * Accept (and register) any facility that posts. For the demo and tests only: anyone who can publish
   * on the broker could then create facilities. Off by default.
   */
  readonly openRegistry?: boolean;
  /**
   * The hub's Ed25519 private key: every ACK, command and hub/state is signed with it (agents that
   * pin the hub's public key ignore anything else). Without it nothing is signed (demo and old tests).
   */
  readonly signingKey?: KeyObject;
  /**
   * Refuse unsigned messages also from facilities registered without a public key (`qmon hub run`
   * does, unless `--allow-unsigned`). A facility with a registered key is always verified.
   */
  readonly requireSignatures?: boolean;
  /**
   * Each facility's message and byte budget in this process (`facilityBudget()` from the contract by default):
   * more is dropped and counted (`over_rate`, `over_bytes`). Null turns the budget off (to measure its cost).
   */
  readonly facilityBudget?: FacilityBudget | null;
}

export interface HubStats {
  /** Valid events received, duplicates included. */
  readonly received: number;
  readonly duplicates: number;
  readonly invalid: number;
  /** Seqs acknowledged to agents. */
  readonly acked: number;
  /** Snapshot images received, verified and kept. */
  readonly snapshots: number;
  /** Messages whose database write failed (not acked: the agent sends them again). */
  readonly storeErrors: number;
  /** Messages dropped unread or refused, by reason (see HubDrop). */
  readonly dropped: Readonly<Partial<Record<HubDrop, number>>>;
}

export interface HubEvents {
  event: [{ fid: string; event: EventPayload; duplicate: boolean }];
  /** A status arrived; `ignored` when it was from an older session than one already seen (a late Will). */
  status: [{ fid: string; state: StatusPayload['state']; session: number; ignored: boolean }];
  invalid: [{ topic: string; error: string }];
  resend: [ResendRange];
  /** A `cmd/rebase` went to a facility whose store went back below what the hub has seen. */
  rebase: [{ fid: string; session: number; seq: number; why: string }];
  /** The retained hub/state said offline while this hub ran (another process, or a replay): re-announced. */
  reannounced: [];
  /** A snapshot arrived on `snap/{event_id}`: kept (`ok`) or refused with the reason. */
  snapshot: [{ fid: string; eventId: string; ok: boolean; error: string | null; bytes: number }];
  /** A camera survey arrived and passed its checks; `outcome` says whether it was stored (see SurveyOutcome). */
  survey: [{ fid: string; outcome: SurveyOutcome; cameras: number }];
}
