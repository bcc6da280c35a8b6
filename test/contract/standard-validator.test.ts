// docs/schemas/ read by a standard validator (ajv), not only by this repository's own checker: every sample, signed
// as it travels, validates against the file its `schema` id names and against its topic's file.
import { describe, expect, it } from 'vitest';
import { COMMAND_SCHEMA_FILE, generateSigningKey, schemaFileOf, signerOf, type JsonSchemaFile } from '../../contract/index.js';
import { SAMPLES } from './samples.js';
import { standardValidator } from './standard-validator.js';

const v = standardValidator();
const signer = signerOf(generateSigningKey().privateKey);
const signed = (sample: Record<string, unknown>) => JSON.parse(signer.sign('qmon/v1/bg-0137/x', Buffer.from(JSON.stringify(sample))).toString()) as Record<string, unknown>;

describe(`docs/schemas with a standard validator (${v.name})`, () => {
  it('every payload sample, signed as it travels, is valid for its file and for the file its schema id names', () => {
    const failures: string[] = [];
    for (const [file, samples] of Object.entries(SAMPLES) as [JsonSchemaFile, Record<string, unknown>[]][]) {
      for (const sample of samples) {
        const travelling = signed(sample);
        for (const target of [file, ...(typeof sample.schema === 'string' ? [schemaFileOf(sample.schema)] : [])]) {
          expect(v.files.has(target), `${String(sample.schema)} names ${target}, which is not published`).toBe(true);
          for (const e of v.validate(target, travelling)) failures.push(`${file} → ${target}: ${e}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses a malformed sig, and an unknown key in what the agent sends (those files list exactly what it writes)', () => {
    const status = SAMPLES['qmon.status-1.schema.json'][0]!;
    expect(v.validate('qmon.status-1.schema.json', { ...status, sig: { alg: 'rsa', kid: 'x', value: 'y' } })).not.toEqual([]);
    expect(v.validate('qmon.status-1.schema.json', { ...status, person: 'Nguyen Van A' })).not.toEqual([]);
    expect(v.validate('qmon.ack-1.schema.json', { ...SAMPLES['qmon.ack-1.schema.json'][0], ts: '2026-01-01T00:00:00.000Z' })).toEqual([]);
  });

  it('the command envelope qmon.cmd/1 takes every command and refuses what no command is', () => {
    expect(schemaFileOf('qmon.cmd/1')).toBe(COMMAND_SCHEMA_FILE);
    expect(v.validate(COMMAND_SCHEMA_FILE, { schema: 'qmon.cmd/1', from_seq: 1, to_seq: 3 })).toEqual([]);
    expect(v.validate(COMMAND_SCHEMA_FILE, { schema: 'qmon.cmd/1', id: 'x', session: 4, seq: 0 })).toEqual([]);
    expect(v.validate(COMMAND_SCHEMA_FILE, { schema: 'qmon.cmd/1', id: 7 })).not.toEqual([]);
  });
});
