// The versioning rule of qmon/v1 in code: receivers ignore (and drop) unknown fields but still refuse
// wrong types and missing fields; senders refuse any key the contract does not have.
import { describe, expect, it } from 'vitest';
import {
  JSON_SCHEMA_SOURCES,
  MESSAGES,
  PayloadError,
  SetPolicyCommand,
  decodePayload,
  encodePayload,
  type JsonSchemaFile,
} from '../../contract/index.js';
import { SAMPLES } from './samples.js';

type Json = Record<string, unknown>;

interface InboundCase {
  readonly file: JsonSchemaFile;
  /** Who reads it tolerantly. */
  readonly reader: 'agent' | 'hub';
  /** The sample with unknown fields added, top level and nested where the payload has objects. */
  readonly extra: (s: Json) => Json;
  readonly wrongType: (s: Json) => Json;
  readonly missing: string;
}

const at = <T>(v: T | undefined): T => {
  if (v === undefined) throw new Error('sample lacks the nested value this case edits');
  return v;
};

/** Every message a side receives as JSON (snap is raw bytes, checked by sha256 instead). */
const INBOUND: InboundCase[] = [
  // received by the agent
  { file: 'qmon.ack-1.schema.json', reader: 'agent', extra: (s) => ({ ...s, ts: '2026-01-01T00:00:00.000Z' }), wrongType: (s) => ({ ...s, seqs: ['1'] }), missing: 'seqs' },
  { file: 'qmon.hub-state-1.schema.json', reader: 'agent', extra: (s) => ({ ...s, region: 'north' }), wrongType: (s) => ({ ...s, accepting: 'yes' }), missing: 'online' },
  { file: 'qmon.cmd-rebirth-1.schema.json', reader: 'agent', extra: (s) => ({ ...s, ts: '2026-01-01T00:00:00.000Z' }), wrongType: (s) => ({ ...s, id: 7 }), missing: '' },
  { file: 'qmon.cmd-resend-1.schema.json', reader: 'agent', extra: (s) => ({ ...s, reason: 'gap' }), wrongType: (s) => ({ ...s, to_seq: '9' }), missing: 'from_seq' },
  { file: 'qmon.cmd-snapshot-1.schema.json', reader: 'agent', extra: (s) => ({ ...s, priority: 1 }), wrongType: (s) => ({ ...s, sha256: 42 }), missing: 'sha256' },
  { file: 'qmon.cmd-rebase-1.schema.json', reader: 'agent', extra: (s) => ({ ...s, why: 'seq_reused' }), wrongType: (s) => ({ ...s, seq: '40' }), missing: 'session' },
  // received by the hub (a newer agent may add fields)
  {
    file: 'qmon.event-1.schema.json',
    reader: 'hub',
    extra: (s) => ({ ...s, track_count: 3, clock: { ...(s.clock as Json), offset_ms: 4 }, rule: { ...(s.rule as Json), name_hash: 'ab' } }),
    wrongType: (s) => ({ ...s, people: '1' }),
    missing: 'event_id',
  },
  { file: 'qmon.status-1.schema.json', reader: 'hub', extra: (s) => ({ ...s, reason: 'upgrade' }), wrongType: (s) => ({ ...s, session: 'four' }), missing: 'state' },
  {
    file: 'qmon.birth-1.schema.json',
    reader: 'hub',
    extra: (s) => ({ ...s, os: 'debian', cameras: (s.cameras as Json[]).map((c) => ({ ...c, vendor: 'x' })) }),
    wrongType: (s) => ({ ...s, last_seq: -1 }),
    missing: 'config_hash',
  },
  {
    file: 'qmon.hb-1.schema.json',
    reader: 'hub',
    extra: (s) => ({ ...s, cpu: 0.4, outbox: { ...(s.outbox as Json), bytes: 10 }, cameras: (s.cameras as Json[]).map((c) => ({ ...c, temp_c: 40 })) }),
    wrongType: (s) => ({ ...s, outbox: { ...(s.outbox as Json), pending: '3' } }),
    missing: 'outbox',
  },
  {
    file: 'qmon.survey-1.schema.json',
    reader: 'hub',
    extra: (s) => ({ ...s, site: 'x', cameras: (s.cameras as Json[]).map((c) => ({ ...c, ptz: true, measured: { ...(c.measured as Json), gop: 50 } })) }),
    wrongType: (s) => ({ ...s, cameras: (s.cameras as Json[]).map((c) => ({ ...c, rules: '2' })) }),
    missing: 'cameras',
  },
  { file: 'qmon.cam-status-1.schema.json', reader: 'hub', extra: (s) => ({ ...s, fps: 10 }), wrongType: (s) => ({ ...s, state: 'asleep' }), missing: 'since' },
  { file: 'qmon.res-1.schema.json', reader: 'hub', extra: (s) => ({ ...s, took_ms: 3 }), wrongType: (s) => ({ ...s, ok: 1 }), missing: 'ok' },
];

const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('tolerant reader (what a side receives)', () => {
  it('covers every JSON message of the contract except set-policy', () => {
    const covered = INBOUND.map((c) => c.file).sort();
    const all = MESSAGES.flatMap((m) => ('schemaFile' in m ? [m.schemaFile] : [])).filter((f) => f !== 'qmon.cmd-set-policy-1.schema.json');
    expect(covered).toEqual([...all].sort());
    for (const c of INBOUND) {
      const m = MESSAGES.find((x) => 'schemaFile' in x && x.schemaFile === c.file);
      expect(m?.publisher, c.file).toBe(c.reader === 'agent' ? 'hub' : 'agent');
    }
  });

  for (const c of INBOUND) {
    describe(`${c.file} (read by the ${c.reader})`, () => {
      const schema = JSON_SCHEMA_SOURCES[c.file];
      const sample = at(SAMPLES[c.file][0]);

      it('accepts unknown fields and keeps only the validated ones', () => {
        const d = decodePayload(schema, c.file, bytes(c.extra(sample)));
        expect(d).toEqual({ ok: true, value: schema.parse(sample) });
      });

      it('still refuses a wrong type', () => {
        const d = decodePayload(schema, c.file, bytes(c.extra(c.wrongType(sample))));
        expect(d.ok).toBe(false);
        expect(!d.ok && d.error).toMatch(/payload is invalid/);
      });

      it('still refuses a missing required field', () => {
        if (c.missing === '') {
          expect(decodePayload(schema, c.file, bytes([])).ok).toBe(false); // rebirth has no required field
          return;
        }
        const { [c.missing]: _gone, ...rest } = c.extra(sample);
        const d = decodePayload(schema, c.file, bytes(rest));
        expect(d.ok).toBe(false);
        expect(!d.ok && d.error).toContain(c.missing);
      });
    });
  }
});

describe('cmd/set-policy keys are requests, not data', () => {
  it('refuses an unknown policy key with a reason naming it and the keys that exist', () => {
    const d = decodePayload(SetPolicyCommand, 'cmd/set-policy', bytes({ id: 'p1', heartbeat_s: 30, max_in_flight: 64 }));
    expect(d.ok).toBe(false);
    expect(!d.ok && d.error).toMatch(/unknown policy key\(s\) max_in_flight; this agent's policy keys are replay_rate_per_s, heartbeat_s, snapshot_upload/);
  });

  it('accepts the keys it has', () => {
    expect(decodePayload(SetPolicyCommand, 'cmd/set-policy', bytes({ schema: 'qmon.cmd/1', id: 'p1', heartbeat_s: 30 })).ok).toBe(true);
  });
});

describe('strict writer (what a side sends)', () => {
  for (const file of Object.keys(SAMPLES) as JsonSchemaFile[]) {
    it(`${file}: encodePayload refuses an extra key, top level and nested`, () => {
      const schema = JSON_SCHEMA_SOURCES[file];
      for (const sample of SAMPLES[file]) {
        expect(() => encodePayload(schema, file, sample)).not.toThrow();
        expect(() => encodePayload(schema, file, { ...sample, person_name: 'Nguyen Van A' })).toThrow(PayloadError);
        expect(() => encodePayload(schema, file, { ...sample, person_name: 'x' })).toThrow(/Unrecognized key.*person_name|unknown policy key\(s\) person_name/);
        // `result` of qmon.res/1 is a record: any snake_case key is allowed there by design.
        const nested = Object.entries(sample).find(([k, v]) => k !== 'result' && v !== null && typeof v === 'object' && !Array.isArray(v));
        if (nested) {
          const [k, v] = nested;
          expect(() => encodePayload(schema, file, { ...sample, [k]: { ...(v as Json), extra: 1 } }), `${file} ${k}`).toThrow(PayloadError);
        }
      }
    });
  }
});
