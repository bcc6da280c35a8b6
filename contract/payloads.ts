import type { EpochMs, RuleType } from '../agent/shared/types.js';
import { encodePayload, isoMs } from './encode.js';
import {
  AckPayload,
  BirthPayload,
  CamStatusPayload,
  HeartbeatPayload,
  HubStatePayload,
  RebaseCommand,
  ResendCommand,
  ResponsePayload,
  SnapshotCommand,
  StatusPayload,
  type ReportedCameraState,
  type ClockInfo,
} from './schemas.js';

/** What the agent runs, for `birth`; supplied by the app from the loaded config and models. */
export interface BirthInfo {
  readonly version: string;
  /** Hex digest of the effective config (secrets excluded), so the hub sees config drift. */
  readonly configHash: string;
  readonly cameras: readonly { readonly id: string }[];
  readonly rules: readonly { readonly id: string; readonly type: RuleType; readonly version: number }[];
  readonly models: readonly { readonly name: string; readonly version: string }[];
}

/** One camera's line in the heartbeat; supplied by the camera supervisors. */
export interface CameraHealth {
  readonly id: string;
  readonly state: ReportedCameraState;
  readonly fpsIn: number;
  readonly fpsDetect: number;
  readonly lastFrameAgeS: number | null;
  readonly quality?: 'excellent' | 'fair' | 'poor' | 'unusable';
  /** Why a `degraded` camera is degraded when the agent itself is the cause (`overload`). */
  readonly reason?: 'overload';
  /** The detector's work on this camera since the previous heartbeat. */
  readonly work?: CameraWork;
}

/** Frame counts of one camera over one heartbeat interval. */
export interface CameraWork {
  readonly frames: number;
  /** Frames the person detector ran on. */
  readonly inferences: number;
  /** Region crops inferred (regions mode). */
  readonly regions: number;
  /** Frames answered from the previous detections because nothing moved. */
  readonly gated: number;
  /** Persons not re-detected because they stood still (regions mode), summed over frames. */
  readonly stationarySkipped: number;
  /** Frames lost anywhere between ffmpeg and the rules. */
  readonly dropped: number;
}

export interface CameraStatus {
  readonly state: ReportedCameraState;
  /** Machine-readable (`stall`, `auth_failed`), never free text. */
  readonly reason?: string | null;
  /** Wall time the camera entered this state. */
  readonly since: EpochMs;
}

/**
 * `n` (every liveness builder): the message's number within its session, 1, 2, 3 …, 0 in the Will; left out only
 * by callers that predate it (tests of older agents' messages). See schemas.ts `MessageNumber`.
 */
export function buildStatus(fid: string, state: StatusPayload['state'], session: number, wall: EpochMs, n?: number): Buffer {
  return encodePayload(StatusPayload, 'qmon.status/1', { schema: 'qmon.status/1', fid, state, session, ts: isoMs(wall), ...(n !== undefined && { n }) });
}

export function buildBirth(fid: string, session: number, wall: EpochMs, info: BirthInfo, lastSeq: number, n?: number): Buffer {
  return encodePayload(BirthPayload, 'qmon.birth/1', {
    schema: 'qmon.birth/1',
    fid,
    session,
    ts: isoMs(wall),
    agent: { version: info.version },
    config_hash: info.configHash,
    cameras: info.cameras.map((c) => ({ id: c.id })),
    rules: info.rules.map((r) => ({ id: r.id, type: r.type, version: r.version })),
    models: info.models.map((m) => ({ name: m.name, version: m.version })),
    last_seq: lastSeq,
    ...(n !== undefined && { n }),
  });
}

/** The outbox counters a heartbeat reports (the store's stats satisfy it). */
export interface OutboxCounts {
  readonly pending: number;
  readonly sent: number;
  /** Wall time of the oldest row not yet acknowledged, or null when there is none. */
  readonly oldestPendingAt: EpochMs | null;
}

/** What a command's response says (the uplink's command outcome satisfies it). */
export interface ResponseInput {
  readonly ok: boolean;
  /** The request's `id`, echoed so a 3.1.1 hub can correlate (5.0 also gets correlation data). */
  readonly id: string | null;
  readonly error: string | null;
  readonly result: Readonly<Record<string, number | string | boolean>> | null;
}

export interface HeartbeatInput {
  readonly fid: string;
  readonly session: number;
  readonly wall: EpochMs;
  readonly uptimeS: number;
  readonly outbox: OutboxCounts;
  readonly cameras: readonly CameraHealth[];
  readonly diskFreeMb: number | null;
  readonly clock: ClockInfo;
  /** Dashboard audit counts since the previous heartbeat (no names, no targets). */
  readonly dashboard?: DashboardCounts;
  readonly uplink?: { readonly ackedUnsent: number; readonly dropped: number };
  /** The message's number within its session (see buildStatus). */
  readonly n?: number;
}

/** The guard dashboard's activity in a heartbeat interval, by kind. */
export interface DashboardCounts {
  readonly logins: number;
  readonly loginFailed: number;
  readonly acks: number;
  readonly snoozes: number;
  readonly exports: number;
  readonly snapshotViews: number;
  readonly userChanges: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function buildHeartbeat(h: HeartbeatInput): Buffer {
  const oldest = h.outbox.oldestPendingAt;
  return encodePayload(HeartbeatPayload, 'qmon.hb/1', {
    schema: 'qmon.hb/1',
    fid: h.fid,
    session: h.session,
    ts: isoMs(h.wall),
    uptime_s: Math.max(0, Math.floor(h.uptimeS)),
    outbox: {
      pending: h.outbox.pending,
      sent: h.outbox.sent,
      oldest_age_s: oldest === null ? null : Math.max(0, Math.floor((h.wall - oldest) / 1000)),
    },
    cameras: h.cameras.map((c) => ({
      id: c.id,
      state: c.state,
      fps_in: round2(c.fpsIn),
      fps_detect: round2(c.fpsDetect),
      last_frame_age_s: c.lastFrameAgeS === null ? null : round2(c.lastFrameAgeS),
      ...(c.quality !== undefined && { quality: c.quality }),
      ...(c.reason !== undefined && { reason: c.reason }),
      ...(c.work !== undefined && {
        work: {
          frames: c.work.frames,
          inferences: c.work.inferences,
          regions: c.work.regions,
          gated: c.work.gated,
          stationary_skipped: c.work.stationarySkipped,
          dropped: c.work.dropped,
        },
      }),
    })),
    disk_free_mb: h.diskFreeMb === null ? null : Math.floor(h.diskFreeMb),
    clock: h.clock,
    ...(h.dashboard && {
      dashboard: {
        logins: h.dashboard.logins,
        login_failed: h.dashboard.loginFailed,
        acks: h.dashboard.acks,
        snoozes: h.dashboard.snoozes,
        exports: h.dashboard.exports,
        snapshot_views: h.dashboard.snapshotViews,
        user_changes: h.dashboard.userChanges,
      },
    }),
    ...(h.uplink && { uplink: { acked_unsent: h.uplink.ackedUnsent, dropped: h.uplink.dropped } }),
    ...(h.n !== undefined && { n: h.n }),
  });
}

export function buildCamStatus(fid: string, session: number, cameraId: string, s: CameraStatus, wall: EpochMs, n?: number): Buffer {
  return encodePayload(CamStatusPayload, 'qmon.cam-status/1', {
    schema: 'qmon.cam-status/1',
    fid,
    session,
    camera_id: cameraId,
    state: s.state,
    reason: s.reason ?? null,
    since: isoMs(s.since),
    ts: isoMs(wall),
    ...(n !== undefined && { n }),
  });
}

export function buildResponse(fid: string, cmd: string, outcome: ResponseInput, wall: EpochMs): Buffer {
  return encodePayload(ResponsePayload, 'qmon.res/1', {
    schema: 'qmon.res/1',
    fid,
    cmd: cmd.slice(0, 64),
    id: outcome.id,
    ok: outcome.ok,
    error: outcome.error,
    result: outcome.result,
    ts: isoMs(wall),
  });
}

export function buildAck(seqs: readonly number[]): Buffer {
  return encodePayload(AckPayload, 'qmon.ack/1', { schema: 'qmon.ack/1', seqs: [...seqs] });
}

export function buildHubState(online: boolean, accepting: boolean, wall: EpochMs): Buffer {
  return encodePayload(HubStatePayload, 'qmon.hub-state/1', {
    schema: 'qmon.hub-state/1',
    online,
    accepting,
    ts: isoMs(wall),
  });
}

/** `cmd/resend` as a hub sends it: the agent's rows from..to again (a request `id` correlates the response). */
export function buildResendCommand(fromSeq: number, toSeq: number, id?: string): Buffer {
  return encodePayload(ResendCommand, 'qmon.cmd/1 resend', {
    schema: 'qmon.cmd/1',
    ...(id !== undefined && { id }),
    from_seq: fromSeq,
    to_seq: toSeq,
  });
}

/** `cmd/snapshot` as a hub sends it: the image of `eventId` whose sha256 the hub read, optionally to a one-time URL. */
export function buildSnapshotCommand(eventId: string, sha256: string, uploadUrl?: string, id?: string): Buffer {
  return encodePayload(SnapshotCommand, 'qmon.cmd/1 snapshot', {
    schema: 'qmon.cmd/1',
    ...(id !== undefined && { id }),
    event_id: eventId,
    sha256,
    ...(uploadUrl !== undefined && { upload_url: uploadUrl }),
  });
}

/** `cmd/rebase` as a hub sends it: the session and the highest seq it has seen of the facility (a request `id` correlates the response). */
export function buildRebaseCommand(session: number, seq: number, id?: string): Buffer {
  return encodePayload(RebaseCommand, 'qmon.cmd/1 rebase', { schema: 'qmon.cmd/1', ...(id !== undefined && { id }), session, seq });
}
