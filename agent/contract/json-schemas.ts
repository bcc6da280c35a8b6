import { z } from 'zod';
import {
  AckPayload,
  BirthPayload,
  CamStatusPayload,
  EventPayload,
  HeartbeatPayload,
  HubStatePayload,
  RebirthCommand,
  ResendCommand,
  ResponsePayload,
  SetPolicyCommand,
  SnapshotCommand,
  StatusPayload,
} from './schemas.js';

/**
 * The JSON Schema files published for hub implementers, generated from the zod schemas so the two
 * cannot drift apart. `scripts/contract-docs.ts` writes them to `docs/schemas/`; a test fails when a file is stale.
 * Refinements that JSON Schema cannot state (resend's `to_seq >= from_seq`) are only in zod and
 * in the schema's description.
 */
export const JSON_SCHEMA_SOURCES = {
  'qmon.event-1.schema.json': EventPayload,
  'qmon.status-1.schema.json': StatusPayload,
  'qmon.birth-1.schema.json': BirthPayload,
  'qmon.hb-1.schema.json': HeartbeatPayload,
  'qmon.cam-status-1.schema.json': CamStatusPayload,
  'qmon.ack-1.schema.json': AckPayload,
  'qmon.hub-state-1.schema.json': HubStatePayload,
  'qmon.cmd-rebirth-1.schema.json': RebirthCommand,
  'qmon.cmd-resend-1.schema.json': ResendCommand,
  'qmon.cmd-set-policy-1.schema.json': SetPolicyCommand,
  'qmon.cmd-snapshot-1.schema.json': SnapshotCommand,
  'qmon.res-1.schema.json': ResponsePayload,
} as const satisfies Record<string, z.ZodType>;

export type JsonSchemaFile = keyof typeof JSON_SCHEMA_SOURCES;

export function jsonSchemaFor(file: JsonSchemaFile): Record<string, unknown> {
  return { $id: file, ...z.toJSONSchema(JSON_SCHEMA_SOURCES[file], { unrepresentable: 'throw' }) };
}

/** The exact text of each file (2-space JSON + newline), so a byte comparison is meaningful. */
export function jsonSchemaText(file: JsonSchemaFile): string {
  return `${JSON.stringify(jsonSchemaFor(file), null, 2)}\n`;
}
