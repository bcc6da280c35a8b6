import { z } from 'zod';
import { closed } from './tolerant.js';
import { CAMERA_ID_RE, EVENT_ID_RE, FID_RE } from './topics.js';
import { MAX_AGENT_CAMERAS } from './limits.js';

/**
 * The payloads of the hub contract `qmon/v1`, as zod schemas. Every object is strict: an unknown
 * key is an error when SENDING (`encodePayload`), which is how "no personal data, no file paths"
 * is enforced rather than hoped for. A receiver reads them tolerantly (`decodePayload`, see
 * `tolerant.ts`): unknown keys are ignored and dropped, except in `cmd/set-policy` (`closed`). The JSON Schema files in `docs/schemas/` are generated from these (see `json-schemas.ts`) and a
 * test keeps them in sync.
 */

/** RFC 3339, UTC (`Z`), exactly millisecond precision: what `Date#toISOString()` writes. */
export const Timestamp = z.iso.datetime({ precision: 3 });
const Fid = z.string().regex(FID_RE);
const CameraId = z.string().regex(CAMERA_ID_RE);
/** Config-given ids of zones, lines and rules: short, no spaces, no free text. */
const ConfigId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/);
/** Machine-readable reason codes only (`disk_low`, `covered`), never free text. */
const ReasonCode = z.string().regex(/^[a-z0-9_]{1,64}$/);
/** UUIDv7 (what the agent creates) or ULID (allowed by the contract). */
export const EventId = z.string().regex(EVENT_ID_RE);
const Count = z.int().min(0);
const Seq = z.int().min(1);
const Session = z.int().min(0);
const Version = z.string().regex(/^[A-Za-z0-9_.+-]{1,64}$/);
/**
 * The message's number within its session (added in v1, optional for older agents): an agent numbers every status,
 * birth, heartbeat and camera status of a session 1, 2, 3 …, and its Will 0 (written before the session's first
 * message). A hub accepts a liveness message of the session it holds only when its `n` is higher than the last it
 * accepted of that kind, and nothing of a session after its `offline`: a replayed signed message cannot fake
 * liveness (docs/hub-contract.md, "Freshness").
 */
const MessageNumber = z
  .int()
  .min(0)
  .optional()
  .meta({ description: 'Number of this message within its session (1, 2, 3 …; 0 in the Will); must increase. Added in v1.' });

export const ClockInfo = z.strictObject({
  /** True when the agent's clock is disciplined (NTP/chrony reports sync). */
  synced: z.boolean(),
  source: z.string().regex(/^[a-z0-9_.:-]{1,32}$/),
});

export const RULE_TYPES = [
  'no_mask',
  'line_cross',
  'zone_intrusion',
  'gathering',
  'distancing',
  'loitering',
  'camera_offline',
  'camera_tamper',
  'agent_alarm',
] as const;

/** A picture the agent holds (already blurred): what the hub may fetch with `cmd/snapshot`, by its sha256. */
const Picture = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: Count,
  w: z.int().min(1),
  h: z.int().min(1),
  redaction: z.literal('faces-blurred'),
});

export const EventPayload = z
  .strictObject({
    schema: z.literal('qmon.event/1'),
    fid: Fid,
    session: Session,
    seq: Seq,
    event_id: EventId,
    rev: z.int().min(1),
    state: z.enum(['new', 'update', 'end']),
    type: z.enum(RULE_TYPES),
    severity: z.enum(['info', 'warning', 'critical']),
    camera_id: CameraId,
    zone_id: ConfigId.optional(),
    line_id: ConfigId.optional(),
    direction: z.enum(['in', 'out']).optional(),
    people: Count,
    confidence: z.number().min(0).max(1),
    started_at: Timestamp,
    ended_at: Timestamp.nullable(),
    ts: Timestamp,
    clock: ClockInfo,
    replay: z.boolean(),
    rule: z.strictObject({ id: ConfigId, version: Count }),
    model: z.strictObject({ name: Version, version: Version }).nullable(),
    snapshot: Picture.nullable(),
    /**
     * The guard's context picture: the whole frame (640 px wide) with faces and heads pixelated, the people boxed, the
     * rule's line or zone drawn, a strip of the moments around it. Null until the agent made it (it comes in a later
     * revision, as the snapshot does); absent from agents older than it. Fetched like the snapshot, by its sha256.
     */
    context: Picture.nullable().optional(),
    reason: ReasonCode.optional(),
  })
  .meta({ title: 'qmon.event/1', description: 'One revision of a violation, agent → hub on qmon/v1/{fid}/evt.' });

export const StatusPayload = z
  .strictObject({
    schema: z.literal('qmon.status/1'),
    fid: Fid,
    state: z.enum(['online', 'offline', 'stopping']),
    session: Session,
    ts: Timestamp,
    n: MessageNumber,
  })
  .meta({ title: 'qmon.status/1', description: 'Agent status (retained; also the Will), qmon/v1/{fid}/status.' });

export const BirthPayload = z
  .strictObject({
    schema: z.literal('qmon.birth/1'),
    fid: Fid,
    session: Session,
    ts: Timestamp,
    agent: z.strictObject({ version: Version }),
    config_hash: z.string().regex(/^[0-9a-f]{8,64}$/),
    cameras: z.array(z.strictObject({ id: CameraId })).max(256),
    rules: z.array(z.strictObject({ id: ConfigId, type: z.enum(RULE_TYPES), version: Count })).max(4096),
    models: z.array(z.strictObject({ name: Version, version: Version })).max(32),
    last_seq: Count,
    n: MessageNumber,
  })
  .meta({ title: 'qmon.birth/1', description: 'What the agent runs (retained), on every connect and cmd/rebirth.' });

export const CAMERA_STATES = ['online', 'degraded', 'offline', 'disabled'] as const;

export const HeartbeatPayload = z
  .strictObject({
    schema: z.literal('qmon.hb/1'),
    fid: Fid,
    session: Session,
    ts: Timestamp,
    uptime_s: Count,
    outbox: z.strictObject({ pending: Count, sent: Count, oldest_age_s: Count.nullable() }),
    cameras: z
      .array(
        z.strictObject({
          id: CameraId,
          state: z.enum(CAMERA_STATES),
          fps_in: z.number().min(0),
          fps_detect: z.number().min(0),
          last_frame_age_s: z.number().min(0).nullable(),
          /** From reconnects, stalls and over-fps restarts in the last hour (ANALYTICS.md camera health). */
          quality: z.enum(['excellent', 'fair', 'poor', 'unusable']).optional(),
          /** Why the agent reports the camera degraded when the cause is its own (`overload`: frames lost, detect fps under 90 % of configured). */
          reason: z.enum(['overload']).optional(),
          /** The person detector's work on this camera since the previous heartbeat. */
          work: z
            .strictObject({
              frames: Count,
              inferences: Count,
              regions: Count,
              gated: Count,
              stationary_skipped: Count,
              dropped: Count,
            })
            .optional(),
        }),
      )
      .max(MAX_AGENT_CAMERAS),
    disk_free_mb: Count.nullable(),
    clock: ClockInfo,
    /** Guard dashboard activity since the previous heartbeat: counts only, never who or what (optional, added in v1). */
    dashboard: z
      .strictObject({
        logins: Count,
        login_failed: Count,
        acks: Count,
        snoozes: Count,
        exports: Count,
        snapshot_views: Count,
        user_changes: Count,
      })
      .optional(),
    /** Uplink counters since the agent started: seqs in hub ACKs naming rows never sent; inbound messages dropped unread (any reason). */
    uplink: z.strictObject({ acked_unsent: Count, dropped: Count }).optional(),
    n: MessageNumber,
  })
  .meta({ title: 'qmon.hb/1', description: 'Heartbeat (QoS 0, not retained, < 2 KB), qmon/v1/{fid}/hb.' });

export const CamStatusPayload = z
  .strictObject({
    schema: z.literal('qmon.cam-status/1'),
    fid: Fid,
    session: Session,
    camera_id: CameraId,
    state: z.enum(CAMERA_STATES),
    reason: ReasonCode.nullable(),
    since: Timestamp,
    ts: Timestamp,
    n: MessageNumber,
  })
  .meta({ title: 'qmon.cam-status/1', description: 'Camera status (retained), qmon/v1/{fid}/cam/{camera_id}/status.' });

/**
 * Free text a camera or an installer chose (a vendor's model name, a profile name): at most 128 characters, no
 * control characters. It is data, never markup: whoever shows it escapes it (a hostile facility may send HTML).
 */
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const SurveyText = z.string().min(1).max(128).regex(/^[^\u0000-\u001f\u007f]+$/);
/** An ONVIF encoding or a decoder's codec name (`H264`, `h264`, `hevc`, `MJPEG`). */
const CodecName = z.string().regex(/^[A-Za-z0-9_.+-]{1,32}$/);
const Pixels = z.int().min(1).max(16_384);
const Fps = z.number().min(0).max(1000);
export const QUALITY_GRADES = ['excellent', 'fair', 'poor', 'unusable'] as const;
export const SURVEY_SOURCES = ['onvif', 'rtsp', 'file'] as const;

/**
 * One camera in a survey: what it is, how it streams, whether it is kept up, as the agent knows it. Every value the
 * agent does not know is null, never guessed. No network address, no serial number, no credential, no URL: the hub
 * needs the state of the installation, not a map of the facility's network (docs/hub-contract.md, "Survey").
 */
export const SurveyCamera = z.strictObject({
  id: CameraId,
  /** The camera's name in the facility config (a place, e.g. "Hành lang A"); null when the config gives none. */
  name: SurveyText.nullable(),
  source: z.enum(SURVEY_SOURCES),
  enabled: z.boolean(),
  /** ONVIF GetDeviceInformation; null when the camera is not ONVIF or was not reached yet. */
  device: z
    .strictObject({ manufacturer: SurveyText.nullable(), model: SurveyText.nullable(), firmware: SurveyText.nullable() })
    .nullable(),
  /** The ONVIF media profile the agent streams (`main` or `sub`), as the camera states it; null when not ONVIF. */
  profile: z
    .strictObject({ role: z.enum(['main', 'sub']), name: SurveyText.nullable(), encoding: CodecName.nullable(), width: Pixels, height: Pixels, fps: Fps.nullable() })
    .nullable(),
  /** What the agent measured of the stream it decodes; each null when not measured. */
  measured: z.strictObject({
    codec: CodecName.nullable(),
    width: Pixels.nullable(),
    height: Pixels.nullable(),
    fps: Fps.nullable(),
    bitrate_kbps: z.number().min(0).max(1_000_000).nullable(),
  }),
  /** True: the credentials the agent logs in with are a vendor default; false: they are not; null: no login used. */
  default_password: z.boolean().nullable(),
  /** Camera clock minus the agent's clock, ms (ONVIF GetSystemDateAndTime); null when not read. */
  clock_offset_ms: z.int().min(-1e12).max(1e12).nullable(),
  /** Share of the observed part of the last 24 h the camera was not offline, and how long that part was. */
  uptime_24h: z.strictObject({ online_share: z.number().min(0).max(1), observed_s: z.int().min(0).max(86_400) }).nullable(),
  /** The camera health grade of the last hour (reconnects, stalls, over-fps); null when not running. */
  quality: z.enum(QUALITY_GRADES).nullable(),
  /** Rules configured on this camera. */
  rules: z.int().min(0).max(4096),
});

export const SurveyPayload = z
  .strictObject({
    schema: z.literal('qmon.survey/1'),
    fid: Fid,
    ts: Timestamp,
    agent: z.strictObject({ version: Version }),
    cameras: z.array(SurveyCamera).max(MAX_AGENT_CAMERAS),
  })
  .meta({ title: 'qmon.survey/1', description: 'The state of the facility\'s cameras (retained), on connect and daily, qmon/v1/{fid}/survey. Added in v1.' });

export const AckPayload = z
  .strictObject({
    schema: z.literal('qmon.ack/1'),
    seqs: z.array(Seq).min(1).max(1000),
  })
  .meta({ title: 'qmon.ack/1', description: 'Hub ACK by outbox seq, after the hub committed the events.' });

export const HubStatePayload = z
  .strictObject({
    schema: z.literal('qmon.hub-state/1').optional(),
    online: z.boolean(),
    accepting: z.boolean(),
    ts: Timestamp,
  })
  .meta({ title: 'qmon.hub-state/1', description: 'Hub availability (retained), qmon/v1/hub/state.' });

/** Fields every command may carry: `id` correlates the response on MQTT 3.1.1 (no correlation data). */
const CommandBase = {
  schema: z.literal('qmon.cmd/1').optional(),
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/).optional(),
};

export const RebirthCommand = z
  .strictObject({ ...CommandBase })
  .meta({ title: 'qmon.cmd/1 rebirth', description: 'qmon/v1/{fid}/cmd/rebirth: publish birth again.' });

export const RESEND_MAX_ROWS = 100_000;

export const ResendCommand = z
  .strictObject({ ...CommandBase, from_seq: Seq, to_seq: Seq })
  .refine((c) => c.to_seq >= c.from_seq, { message: 'to_seq must be >= from_seq', path: ['to_seq'] })
  .refine((c) => c.to_seq - c.from_seq < RESEND_MAX_ROWS, {
    message: `at most ${RESEND_MAX_ROWS} seqs per resend`,
    path: ['to_seq'],
  })
  .meta({ title: 'qmon.cmd/1 resend', description:
      'qmon/v1/{fid}/cmd/resend: send rows from_seq..to_seq again (to_seq >= from_seq, at most 100000 seqs; ' +
      'checked by the agent, not expressible here).', });

export const POLICY_KEYS = ['replay_rate_per_s', 'heartbeat_s', 'snapshot_upload'] as const;

/**
 * `cmd/set-policy`: the hub tunes how this agent talks to it. Only these keys exist; each one
 * given overrides the facility config until a later set-policy changes it or `reset` drops every
 * override. The agent persists the overrides, so they survive a restart. Bounds are the config's.
 * Closed even for the tolerant reader: every key here is a request, so an unknown one is a policy
 * this agent does not have, refused (the whole command) rather than silently ignored.
 */
const SetPolicyFields = z.strictObject(
  {
    ...CommandBase,
    /** Backlog (replay) rate cap, messages per second. */
    replay_rate_per_s: z.number().positive().max(1000).optional(),
    /** Seconds between heartbeats. */
    heartbeat_s: z.number().min(10).max(3600).optional(),
    /** Whether the agent may upload snapshots when the hub asks for them. */
    snapshot_upload: z.boolean().optional(),
    /** Drop every override first (back to the facility config), then apply the keys given. */
    reset: z.boolean().optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown policy key(s) ${issue.keys.join(', ')}; this agent's policy keys are ${POLICY_KEYS.join(', ')} (and reset)`
        : undefined,
  },
);

export const SetPolicyCommand = closed(
  SetPolicyFields.refine(
    (c) => c.reset === true || c.replay_rate_per_s !== undefined || c.heartbeat_s !== undefined || c.snapshot_upload !== undefined,
    { message: 'give at least one of replay_rate_per_s, heartbeat_s, snapshot_upload, reset' },
  ).meta({
    title: 'qmon.cmd/1 set-policy',
    description:
      'qmon/v1/{fid}/cmd/set-policy: override replay_rate_per_s (0 < r <= 1000), heartbeat_s (10..3600), ' +
      'snapshot_upload; reset: true drops earlier overrides. At least one key (checked by the agent, not expressible here). ' +
      'Unlike other inbound messages an unknown key is refused: it names a policy this agent does not have.',
  }),
);

/**
 * `cmd/snapshot`: the hub asks for the image of an event. `sha256` is the one the hub read in the
 * event, so the agent sends exactly that image or refuses (never a different one under its name).
 * The JPEG goes to `upload_url` (HTTPS PUT) when the hub gives one, else, unwrapped, to
 * `qmon/v1/{fid}/snap/{event_id}` (QoS 1, not retained).
 */
export const SnapshotCommand = z
  .strictObject({
    ...CommandBase,
    event_id: EventId,
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    /** A one-time HTTPS URL on the hub's own host to PUT the JPEG to; MQTT is the fall back. */
    upload_url: z.string().max(2048).regex(/^https:\/\/[^\s]+$/).optional(),
  })
  .meta({ title: 'qmon.cmd/1 snapshot', description:
      'qmon/v1/{fid}/cmd/snapshot: send the snapshot of event_id whose sha256 is given: PUT to upload_url when ' +
      'given (https, on the hub broker\'s host), else (or when that fails) as raw JPEG bytes on ' +
      'qmon/v1/{fid}/snap/{event_id} (QoS 1, not retained). Refused when the policy snapshot_upload is false, the ' +
      'image is gone or is not the one named.', });

/**
 * `cmd/rebase`: the hub has seen this facility with session `session` and seqs up to `seq`, and the agent is now
 * below them (its store was replaced: a disk swap, a purge and reinstall). Sessions and seqs must never go back for
 * one facility, or the hub shows the running facility offline (an "older" session), counts its new seqs as
 * deliveries it already has, and old ACKs name its live seqs. The agent moves above both: its next session is
 * higher than `session` (it reconnects), and its next seq higher than `seq`; rows it recorded below `seq` and the
 * hub never acknowledged are renumbered above it. Idempotent: an agent already above changes nothing.
 */
export const RebaseCommand = z
  .strictObject({ ...CommandBase, session: Session, seq: Count })
  .meta({
    title: 'qmon.cmd/1 rebase',
    description:
      'qmon/v1/{fid}/cmd/rebase: the hub has seen this facility with this session and seqs up to seq; the agent, whose ' +
      'store went back below them, moves its sessions and seqs above them (reconnecting, renumbering rows the hub never ' +
      'acknowledged). Idempotent. Added in v1.',
  });

export const ResponsePayload = z
  .strictObject({
    schema: z.literal('qmon.res/1'),
    fid: Fid,
    cmd: z.string().max(64),
    id: z.string().max(64).nullable(),
    ok: z.boolean(),
    error: z.string().max(512).nullable(),
    result: z.record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/), z.union([z.number(), z.string(), z.boolean()])).nullable(),
    ts: Timestamp,
  })
  .meta({ title: 'qmon.res/1', description: 'Agent response to a command, qmon/v1/{fid}/res.' });

export type ClockInfo = z.infer<typeof ClockInfo>;
export type EventPayload = z.infer<typeof EventPayload>;
export type StatusPayload = z.infer<typeof StatusPayload>;
export type BirthPayload = z.infer<typeof BirthPayload>;
export type HeartbeatPayload = z.infer<typeof HeartbeatPayload>;
export type CamStatusPayload = z.infer<typeof CamStatusPayload>;
export type AckPayload = z.infer<typeof AckPayload>;
export type HubStatePayload = z.infer<typeof HubStatePayload>;
export type RebirthCommand = z.infer<typeof RebirthCommand>;
export type ResendCommand = z.infer<typeof ResendCommand>;
export type SetPolicyCommand = z.infer<typeof SetPolicyCommand>;
export type SnapshotCommand = z.infer<typeof SnapshotCommand>;
export type RebaseCommand = z.infer<typeof RebaseCommand>;
export type ResponsePayload = z.infer<typeof ResponsePayload>;
export type SurveyPayload = z.infer<typeof SurveyPayload>;
export type SurveyCamera = z.infer<typeof SurveyCamera>;
/** A camera's state as reported to the hub (`hb`, `cam/{id}/status`); not the supervisor's own state machine. */
export type ReportedCameraState = (typeof CAMERA_STATES)[number];
