// Valid samples of every payload of the contract, built by the real builders where one exists (the
// agent's and the hub's), shared by the contract tests and the check of docs/hub-contract.md.
import {
  buildAck,
  buildBirth,
  buildCamStatus,
  buildHeartbeat,
  buildHubState,
  buildRebaseCommand,
  buildResendCommand,
  buildResponse,
  buildSnapshotCommand,
  buildStatus,
  buildSurvey,
  encodeEvent,
  type JsonSchemaFile,
} from '../../contract/index.js';
import { violation } from '../store/fixtures.js';

export const WALL = Date.UTC(2026, 0, 1, 8, 30, 15, 123);
export const CTX = { fid: 'bg-0137', session: 4, seq: 17, replay: false, clock: { synced: true, source: 'chrony' } };
export const json = (b: Buffer) => JSON.parse(b.toString('utf8')) as Record<string, unknown>;

/** The store's outbox stats (more fields than a heartbeat reports: they are not sent). */
const STATS = { pending: 3, sent: 1, acked: 10, oldestPendingAt: WALL - 95_000, lastSeq: 14 };

/** Valid samples of every payload, built the way the agent and hub build them. */
export const SAMPLES: Record<JsonSchemaFile, Record<string, unknown>[]> = {
  'qmon.event-1.schema.json': [
    json(encodeEvent(violation(1), CTX)),
    json(
      encodeEvent(
        violation(2, {
          type: 'zone_intrusion',
          lineId: undefined,
          direction: undefined,
          zoneId: 'stairwell',
          endedAt: null,
          snapshot: null,
          model: null,
          reason: 'after_hours',
        }),
        { ...CTX, replay: true },
      ),
    ),
  ],
  'qmon.status-1.schema.json': [
    json(buildStatus('bg-0137', 'online', 4, WALL, 2)),
    json(buildStatus('bg-0137', 'offline', 0, WALL, 0)),
    json(buildStatus('bg-0137', 'online', 4, WALL)), // an older agent: no `n`
  ],
  'qmon.birth-1.schema.json': [
    json(
      buildBirth(
        'bg-0137',
        4,
        WALL,
        {
          version: '0.1.0',
          configHash: 'ab12cd34ef56ab12',
          cameras: [{ id: 'corridor-a' }, { id: 'gate' }],
          rules: [{ id: 'corridor-a-exit', type: 'line_cross', version: 1 }],
          models: [{ name: 'yolox-s-person', version: '2024.1' }],
        },
        14,
      ),
    ),
  ],
  'qmon.hb-1.schema.json': [
    json(
      buildHeartbeat({
        fid: 'bg-0137',
        session: 4,
        wall: WALL,
        uptimeS: 3600.7,
        outbox: STATS,
        cameras: [{ id: 'corridor-a', state: 'online', fpsIn: 25.01, fpsDetect: 4.987, lastFrameAgeS: 0.12 }],
        diskFreeMb: 51234.5,
        clock: { synced: true, source: 'chrony' },
        dashboard: { logins: 2, loginFailed: 1, acks: 5, snoozes: 0, exports: 1, snapshotViews: 3, userChanges: 0 },
        uplink: { ackedUnsent: 0, dropped: 2 },
      }),
    ),
    json(
      buildHeartbeat({
        fid: 'bg-0137',
        session: 4,
        wall: WALL,
        uptimeS: 3600.7,
        outbox: STATS,
        cameras: [
          {
            id: 'corridor-b',
            state: 'degraded',
            reason: 'overload',
            fpsIn: 5,
            fpsDetect: 2.5,
            lastFrameAgeS: 0.2,
            work: { frames: 300, inferences: 120, regions: 210, gated: 30, stationarySkipped: 45, dropped: 150 },
          },
        ],
        diskFreeMb: 51234.5,
        clock: { synced: true, source: 'chrony' },
      }),
    ),
  ],
  'qmon.survey-1.schema.json': [
    json(
      buildSurvey({
        fid: 'bg-0137',
        wall: WALL,
        version: '0.1.0',
        cameras: [
          {
            id: 'corridor-a',
            name: 'Hành lang A',
            source: 'onvif',
            enabled: true,
            device: { manufacturer: 'Hikvision', model: 'DS-2CD1023G0-I', firmware: 'V5.5.82 build 190909' },
            profile: { role: 'sub', name: 'Profile_2', encoding: 'H264', width: 640, height: 360, fps: 15 },
            measured: { codec: null, width: null, height: null, fps: 14.97, bitrateKbps: null },
            defaultPassword: true,
            clockOffsetMs: -4213.4,
            uptime24h: { onlineShare: 0.98765, observedS: 86_400 },
            quality: 'fair',
            rules: 2,
          },
          {
            id: 'gate',
            name: null,
            source: 'rtsp',
            enabled: false,
            device: null,
            profile: null,
            measured: { codec: null, width: null, height: null, fps: null, bitrateKbps: null },
            defaultPassword: null,
            clockOffsetMs: null,
            uptime24h: null,
            quality: null,
            rules: 0,
          },
        ],
      }),
    ),
  ],
  'qmon.cam-status-1.schema.json': [
    json(buildCamStatus('bg-0137', 4, 'corridor-a', { state: 'offline', reason: 'stall', since: WALL - 60_000 }, WALL)),
    json(buildCamStatus('bg-0137', 4, 'gate', { state: 'online', since: WALL }, WALL)),
  ],
  'qmon.ack-1.schema.json': [json(buildAck([1, 2, 3]))],
  'qmon.hub-state-1.schema.json': [json(buildHubState(true, false, WALL)), { online: true, accepting: true, ts: '2026-01-01T00:00:00.000Z' }],
  'qmon.cmd-rebirth-1.schema.json': [{}, { schema: 'qmon.cmd/1', id: 'req-1' }],
  'qmon.cmd-resend-1.schema.json': [{ from_seq: 3, to_seq: 9 }, json(buildResendCommand(5, 5, 'r2'))],
  'qmon.cmd-set-policy-1.schema.json': [
    { replay_rate_per_s: 20 },
    { schema: 'qmon.cmd/1', id: 'p1', heartbeat_s: 30, snapshot_upload: false },
    { reset: true },
  ],
  'qmon.cmd-snapshot-1.schema.json': [
    { event_id: violation(1).eventId, sha256: 'a'.repeat(64) },
    json(buildSnapshotCommand('01HZY5V3J8Q2W4E6R8T0Y2V4K6', '0123456789abcdef'.repeat(4), undefined, 's1')),
    json(
      buildSnapshotCommand(
        '01HZY5V3J8Q2W4E6R8T0Y2V4K6',
        '0123456789abcdef'.repeat(4),
        'https://hub.example.org/upload/bg-0137/01HZY5V3J8Q2W4E6R8T0Y2V4K6?token=q3VfZ8r1xKp0LmN2sT4uW6yA',
      ),
    ),
  ],
  'qmon.cmd-rebase-1.schema.json': [json(buildRebaseCommand(1_767_225_600, 40, 'rb1')), { session: 29, seq: 0 }],
  'qmon.res-1.schema.json': [
    json(buildResponse('bg-0137', 'resend', { ok: true, id: 'r2', error: null, result: { requeued: 1 } }, WALL)),
    json(buildResponse('bg-0137', 'x', { ok: false, id: null, error: 'unknown command "x"', result: null }, WALL)),
    json(
      buildResponse(
        'bg-0137',
        'set-policy',
        { ok: true, id: 'p1', error: null, result: { replay_rate_per_s: 5, heartbeat_s: 30, snapshot_upload: false } },
        WALL,
      ),
    ),
    json(
      buildResponse(
        'bg-0137',
        'snapshot',
        { ok: true, id: 's1', error: null, result: { bytes: 48_213, sha256: 'a'.repeat(64), via: 'https', status: 201 } },
        WALL,
      ),
    ),
    json(buildResponse('bg-0137', 'snapshot', { ok: false, id: 's2', error: 'snapshot of event 019b7892-1fe8-7d20-ae76-1648235298a0 is gone (removed by retention or disk pressure)', result: null }, WALL)),
  ],
};
