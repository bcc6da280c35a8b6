import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  JSON_SCHEMA_SOURCES,
  PUBLISHED_SCHEMA_FILES,
  PayloadError,
  ResendCommand,
  TOLERANT_SCHEMA_FILES,
  decodePayload,
  encodeEvent,
  fidProblem,
  jsonSchemaText,
  parseTopic,
  readerOf,
  topics,
  type JsonSchemaFile,
} from '../../contract/index.js';
import { violation } from '../store/fixtures.js';
import { validate } from './json-schema-lite.js';
import { CTX, SAMPLES, json } from './samples.js';

const SCHEMA_DIR = fileURLToPath(new URL('../../docs/schemas/', import.meta.url));
const fileSchema = (f: JsonSchemaFile) => JSON.parse(readFileSync(SCHEMA_DIR + f, 'utf8')) as Record<string, unknown>;

/** Mutations both validators must reject, per payload (besides the generic ones below). */
const INVALID: Partial<Record<JsonSchemaFile, ((s: Record<string, unknown>) => Record<string, unknown>)[]>> = {
  'qmon.event-1.schema.json': [
    (s) => ({ ...s, ts: '2026-01-01T08:30:15Z' }), // no milliseconds
    (s) => ({ ...s, ts: '2026-01-01T15:30:15.123+07:00' }), // not UTC
    (s) => ({ ...s, confidence: 1.5 }),
    (s) => ({ ...s, seq: 0 }),
    (s) => ({ ...s, rev: 1.5 }),
    (s) => ({ ...s, fid: 'BG_0137' }),
    (s) => ({ ...s, event_id: 'not-a-uuid' }),
    (s) => ({ ...s, type: 'fever' }),
    (s) => ({ ...s, snapshot: { ...(s.snapshot as object), file: 'snapshots/1.jpg' } }),
    (s) => ({ ...s, reason: 'Nguyen Van A left room 12' }),
    (s) => ({ ...s, clock: { synced: 'yes', source: 'chrony' } }),
  ],
  'qmon.ack-1.schema.json': [(s) => ({ ...s, seqs: [] }), (s) => ({ ...s, seqs: [1.5] }), (s) => ({ ...s, seqs: ['1'] })],
  'qmon.status-1.schema.json': [(s) => ({ ...s, state: 'sleeping' }), (s) => ({ ...s, n: -1 }), (s) => ({ ...s, n: 1.5 })],
  'qmon.cmd-rebase-1.schema.json': [(s) => ({ ...s, session: -1 }), (s) => ({ ...s, seq: '40' })],
  'qmon.hb-1.schema.json': [
    (s) => ({ ...s, cameras: [{ id: 'cam', state: 'online', fps_in: -1, fps_detect: 0, last_frame_age_s: null }] }),
    (s) => ({ ...s, cameras: [{ id: 'cam', state: 'online', fps_in: 1, fps_detect: 0, last_frame_age_s: null, quality: 'great' }] }),
    (s) => ({ ...s, cameras: [{ id: 'cam', state: 'degraded', fps_in: 1, fps_detect: 0, last_frame_age_s: null, reason: 'camera said so' }] }),
    (s) => ({ ...s, cameras: [{ id: 'cam', state: 'online', fps_in: 1, fps_detect: 0, last_frame_age_s: null, work: { frames: 1, inferences: 1, regions: 0, gated: 0, stationary_skipped: 0, dropped: -1 } }] }),
    (s) => ({ ...s, dashboard: { ...(s.dashboard as object), logins: -1 } }),
    // Counts only: no user names in a heartbeat.
    (s) => ({ ...s, dashboard: { ...(s.dashboard as object), users: ['nguyen'] } }),
    (s) => ({ ...s, uplink: { acked_unsent: 1.5, dropped: 0 } }),
  ],
  'qmon.cmd-resend-1.schema.json': [(s) => ({ ...s, from_seq: '3' })],
  'qmon.survey-1.schema.json': [
    // Bounded text: 10 k characters, control characters.
    (s) => ({ ...s, cameras: [{ ...(s.cameras as object[])[0], name: 'x'.repeat(10_000) }] }),
    (s) => ({ ...s, cameras: [{ ...(s.cameras as object[])[0], name: 'a\u0000b' }] }),
    // No addresses, credentials or serial numbers (strict sender).
    (s) => ({ ...s, cameras: [{ ...(s.cameras as object[])[0], address: '192.168.1.20' }] }),
    (s) => ({ ...s, cameras: [{ ...(s.cameras as object[])[0], device: { manufacturer: 'a', model: 'b', firmware: 'c', serial: '123' } }] }),
    // At most MAX_AGENT_CAMERAS (32) cameras.
    (s) => ({ ...s, cameras: Array.from({ length: 33 }, () => (s.cameras as object[])[1]) }),
    (s) => ({ ...s, cameras: [{ ...(s.cameras as object[])[0], uptime_24h: { online_share: 1.5, observed_s: 10 } }] }),
    (s) => ({ ...s, cameras: [{ ...(s.cameras as object[])[0], quality: 'great' }] }),
  ],
  'qmon.cmd-set-policy-1.schema.json': [
    (s) => ({ ...s, replay_rate_per_s: 0 }),
    (s) => ({ ...s, replay_rate_per_s: 5000 }),
    (s) => ({ ...s, heartbeat_s: 1 }),
    (s) => ({ ...s, snapshot_upload: 'no' }),
    (s) => ({ ...s, max_in_flight: 64 }), // not a policy key
  ],
  'qmon.cmd-snapshot-1.schema.json': [
    (s) => ({ ...s, sha256: 'A'.repeat(64) }), // not lower-case hex
    (s) => ({ ...s, sha256: 'a'.repeat(63) }),
    (s) => ({ ...s, event_id: '../../etc/passwd' }),
    (s) => ({ ...s, upload_url: 'http://hub.example/upload' }), // https only
  ],
  'qmon.res-1.schema.json': [(s) => ({ ...s, result: { requeued: { n: 1 } } }), (s) => ({ ...s, result: { 'Bad Key': 1 } })],
};

/** The zod schema a file was generated from: the tolerant reader for what the agent receives. */
function publishedZod(file: JsonSchemaFile): z.ZodType {
  return TOLERANT_SCHEMA_FILES.has(file) ? readerOf(JSON_SCHEMA_SOURCES[file]) : JSON_SCHEMA_SOURCES[file];
}

function zodOk(file: JsonSchemaFile, v: unknown): boolean {
  return publishedZod(file).safeParse(v).success;
}

describe('JSON Schema files', () => {
  it('exist for every payload and match what the zod schemas generate (run schemas/generate.ts)', () => {
    const onDisk = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.json')).sort();
    expect(onDisk).toEqual([...PUBLISHED_SCHEMA_FILES].sort());
    for (const f of PUBLISHED_SCHEMA_FILES) {
      expect(readFileSync(SCHEMA_DIR + f, 'utf8'), f).toBe(jsonSchemaText(f));
    }
  });

  for (const file of Object.keys(SAMPLES) as JsonSchemaFile[]) {
    it(`${file}: samples pass zod and the JSON Schema; broken ones fail both`, () => {
      const schema = fileSchema(file);
      for (const sample of SAMPLES[file]) {
        expect(zodOk(file, sample), JSON.stringify(sample)).toBe(true);
        expect(validate(schema, sample)).toEqual([]);
        const extra = { ...sample, person_name: 'Nguyen Van A' };
        if (TOLERANT_SCHEMA_FILES.has(file)) {
          // What the agent receives: an unknown key is allowed (and dropped by the reader).
          expect(schema.additionalProperties, file).toBe(true);
          expect(validate(schema, extra)).toEqual([]);
          expect(publishedZod(file).parse(extra)).toEqual(publishedZod(file).parse(sample));
        }
        const broken = [
          ...(TOLERANT_SCHEMA_FILES.has(file) ? [] : [extra]),
          ...((schema.required as string[] | undefined) ?? []).map((k) => {
            const { [k]: _gone, ...rest } = sample;
            return rest;
          }),
          ...(INVALID[file] ?? []).map((m) => m(sample)),
        ];
        for (const b of broken) {
          expect(zodOk(file, b), `zod accepted ${JSON.stringify(b)}`).toBe(false);
          expect(validate(schema, b).length, `JSON Schema accepted ${JSON.stringify(b)}`).toBeGreaterThan(0);
        }
      }
    });
  }

  it('are tolerant exactly for what the agent receives, except set-policy', () => {
    expect([...TOLERANT_SCHEMA_FILES].sort()).toEqual([
      'qmon.ack-1.schema.json',
      'qmon.cmd-rebase-1.schema.json',
      'qmon.cmd-rebirth-1.schema.json',
      'qmon.cmd-resend-1.schema.json',
      'qmon.cmd-snapshot-1.schema.json',
      'qmon.hub-state-1.schema.json',
    ]);
    for (const f of Object.keys(JSON_SCHEMA_SOURCES) as JsonSchemaFile[]) {
      if (!TOLERANT_SCHEMA_FILES.has(f)) expect(fileSchema(f).additionalProperties, f).toBe(false);
    }
  });

  it('resend ranges are checked beyond what JSON Schema can say (to_seq >= from_seq)', () => {
    const backwards = { from_seq: 9, to_seq: 3 };
    expect(validate(fileSchema('qmon.cmd-resend-1.schema.json'), backwards)).toEqual([]);
    expect(ResendCommand.safeParse(backwards).success).toBe(false);
    expect(ResendCommand.safeParse({ from_seq: 1, to_seq: 200_000 }).success).toBe(false);
  });
});

describe('encodeEvent', () => {
  it('writes every contract field from the violation, RFC 3339 UTC ms timestamps, and the context', () => {
    const v = violation(1);
    const e = json(encodeEvent(v, CTX));
    expect(e).toEqual({
      schema: 'qmon.event/1',
      fid: 'bg-0137',
      session: 4,
      seq: 17,
      event_id: v.eventId,
      rev: 1,
      state: 'new',
      type: 'line_cross',
      severity: 'warning',
      camera_id: 'corridor-a',
      line_id: 'corridor-a-exit',
      direction: 'in',
      people: 1,
      confidence: 0.87,
      started_at: new Date(v.startedAt).toISOString(),
      ended_at: new Date(v.startedAt).toISOString(),
      ts: new Date(v.updatedAt).toISOString(),
      clock: { synced: true, source: 'chrony' },
      replay: false,
      rule: { id: 'corridor-a-exit', version: 1 },
      model: { name: 'yolox-s-person', version: '2024.1' },
      snapshot: { sha256: 'a'.repeat(64), bytes: 48_213, w: 640, h: 480, redaction: 'faces-blurred' },
      context: null,
    });
    const pictured = json(encodeEvent({ ...v, context: { ...v.snapshot!, sha256: 'c'.repeat(64), w: 640, h: 577, file: 'snapshots/x-c2.jpg' } }, CTX));
    expect(pictured.context).toEqual({ sha256: 'c'.repeat(64), bytes: 48_213, w: 640, h: 577, redaction: 'faces-blurred' });
    expect(e.started_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('never carries the snapshot file path, stray fields, or credentials', () => {
    const secretPath = 'snapshots/rtsp://admin:S3cret@10.0.0.5/x.jpg';
    const v = { ...violation(1, { snapshot: { ...violation(1).snapshot!, file: secretPath } }), personName: 'Nguyen Van A' };
    const text = encodeEvent(v, CTX).toString('utf8');
    expect(text).not.toContain('file');
    expect(text).not.toContain('S3cret');
    expect(text).not.toContain('snapshots/');
    expect(text).not.toContain('Nguyen');
  });

  it('refuses a violation that breaks the schema, naming the field but not its value', () => {
    const v = violation(1, { reason: 'resident Nguyen Van A', confidence: 2 });
    let err: unknown;
    try {
      encodeEvent(v, CTX);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PayloadError);
    expect((err as Error).message).toMatch(/confidence/);
    expect((err as Error).message).toMatch(/reason/);
    expect((err as Error).message).not.toContain('Nguyen');
    expect(() => encodeEvent(violation(1), { ...CTX, fid: 'Bad FID' })).toThrow(/fid/);
  });
});

describe('topics', () => {
  it('builds and parses the contract topics', () => {
    expect(topics.evt('bg-0137')).toBe('qmon/v1/bg-0137/evt');
    expect(topics.camStatus('bg-0137', 'gate')).toBe('qmon/v1/bg-0137/cam/gate/status');
    expect(topics.cmdFilter('bg-0137')).toBe('qmon/v1/bg-0137/cmd/#');
    expect(parseTopic('qmon/v1/bg-0137/evt')).toEqual({ kind: 'evt', fid: 'bg-0137' });
    expect(parseTopic('qmon/v1/bg-0137/cmd/resend')).toEqual({ kind: 'cmd', fid: 'bg-0137', cmd: 'resend' });
    expect(parseTopic('qmon/v1/bg-0137/cam/gate/status')).toEqual({ kind: 'cam-status', fid: 'bg-0137', cameraId: 'gate' });
    expect(parseTopic('qmon/v1/hub/state')).toEqual({ kind: 'hub-state' });
    const id = violation(1).eventId;
    expect(parseTopic(topics.snap('bg-0137', id))).toEqual({ kind: 'snap', fid: 'bg-0137', eventId: id });
    for (const bad of ['qmon/v1/bg-0137/snap/..', 'qmon/v1/bg-0137/snap/not-an-id', 'qmon/v2/bg-0137/evt', 'qmon/v1/BG/evt', 'qmon/v1/bg-0137/evt/x', 'qmon/v1/hub/evt', 'x', '']) {
      expect(parseTopic(bad), bad).toBeNull();
    }
  });

  it('validates facility ids and reserves "hub"', () => {
    expect(fidProblem('bg-0137')).toBeNull();
    expect(fidProblem('hub')).toMatch(/reserved/);
    expect(fidProblem('BG-0137')).toMatch(/must match/);
    expect(fidProblem('ab')).toMatch(/must match/);
  });
});

describe('decodePayload', () => {
  it('turns garbage into an error value, never an exception', () => {
    for (const bad of [Buffer.from('{'), Buffer.from([0xff, 0xfe]), Buffer.from('null'), Buffer.from('[]'), Buffer.alloc(0)]) {
      const d = decodePayload(ResendCommand, 'cmd/resend', bad);
      expect(d.ok).toBe(false);
    }
  });
});
