import type { Clock } from '../shared/clock.js';
import type { Logger } from '../ops/index.js';
import type { AckResult, OutboxStats, Store } from '../store/index.js';
import type { ProtocolVersion, TlsOptions } from './link.js';
import type { KeyObject } from 'node:crypto';
import type { BirthInfo, CameraHealth, ClockInfo, DashboardCounts, Signer, SurveyInput } from '../../contract/index.js';
import type { BackoffOptions, Timers } from '../shared/index.js';
import type { Policy } from './policy.js';
import type { InboxDrop } from './inbox.js';
import type { HubState } from './relay.js';

/** The Uplink's options, events and stats: its public surface, apart from the class itself. */

export interface UplinkOptions {
  readonly fid: string;
  /** `mqtt://host:port` or `mqtts://host:port`. */
  readonly url: string;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly birth: () => BirthInfo;
  readonly cameraHealth?: () => readonly CameraHealth[];
  /** The camera survey, sent after every connect (after the birth) and every `surveyIntervalMs` while connected. */
  readonly survey?: () => SurveyInput;
  /** 24 h by default. */
  readonly surveyIntervalMs?: number;
  readonly clockInfo?: () => ClockInfo;
  readonly diskFreeMb?: () => number | null;
  /** Guard dashboard activity (audit counts) since a wall time, for the heartbeat; counts only. */
  readonly dashboardCounts?: (sinceWall: number) => DashboardCounts | null;
  readonly tls?: TlsOptions;
  readonly username?: string;
  readonly password?: string;
  /** 5 by default; falls back to 4 (3.1.1) by itself when the broker refuses 5. */
  readonly protocolVersion?: ProtocolVersion;
  /** Defaults of the hub-tunable policy (cmd/set-policy overrides them, persisted in the store). */
  readonly heartbeatS?: number;
  readonly replayRatePerS?: number;
  /** Whether snapshots may be uploaded when the hub asks; true by default. */
  readonly snapshotUpload?: boolean;
  /** Port of the hub's snapshot upload service; an `upload_url` on any other port is refused. DEFAULT_UPLOAD_PORT (8443) by default. */
  readonly uploadPort?: number;
  /** Reads a stored snapshot by its `SnapshotRef.file` (null when gone); without it `cmd/snapshot` is refused. */
  readonly snapshotFiles?: (file: string) => Buffer | null;
  readonly maxInFlight?: number;
  readonly ackTimeoutMs?: number;
  /** How long sending pauses after the store failed a write (disk full); 5 s by default. */
  readonly storeRetryMs?: number;
  readonly sessionExpiryS?: number;
  /** How often stale rows and due retries are looked at. */
  readonly tickMs?: number;
  readonly backoff?: BackoffOptions;
  readonly timers?: Timers;
  /** The facility's signing key: events (in the stored bytes), status, birth, heartbeats, camera statuses and responses are signed. */
  readonly signer?: Signer | null;
  /** The pinned hub public keys by key id: ACKs, commands and hub/state not signed by one are dropped and counted. */
  readonly hubKeys?: ReadonlyMap<string, KeyObject> | null;
}

export interface UplinkEvents {
  connected: [{ session: number; sessionPresent: boolean; protocolVersion: ProtocolVersion }];
  disconnected: [{ session: number }];
  acked: [{ seqs: readonly number[] } & AckResult];
  no_subscribers: [{ seq: number }];
  refused: [{ code: number; message: string }];
  command: [{ name: string; ok: boolean; error: string | null; result: Readonly<Record<string, number | string | boolean>> | null }];
  /** The effective policy changed (cmd/set-policy). */
  policy: [Policy];
  /** cmd/rebase moved this agent's sessions and seqs above the hub's (its store had been replaced). */
  rebased: [{ session: number; seq: number; renumbered: number }];
}

export interface UplinkStats {
  readonly connected: boolean;
  readonly live: boolean;
  readonly session: number;
  readonly protocolVersion: ProtocolVersion;
  readonly hubState: HubState | null;
  readonly inFlight: number;
  readonly published: number;
  readonly outbox: OutboxStats;
  /**
   * Received messages dropped unread, by reason: `oversized` (over the topic's byte limit or nested too
   * deep), `retained_cmd` / `retained_ack` (a stored retained command or ACK), `malformed`,
   * `foreign_topic`, `ack_unsent` (ACK messages naming never-published rows), and with a pinned hub
   * key `unsigned`, `unknown_key`, `bad_signature` (hub/state, ACKs, commands not signed by the hub).
   */
  readonly dropped: Readonly<Partial<Record<InboxDrop, number>>>;
  /** Seqs named by hub ACKs whose rows were never published: ignored, never marked acked. */
  readonly ackedUnsent: number;
  /** `cmd/snapshot` requests refused because their upload_url is not the hub's upload service. */
  readonly uploadRefused: number;
}
