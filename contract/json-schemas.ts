import { z } from 'zod';
import { MESSAGES } from './messages.js';
import { SignatureMember } from './signature.js';
import { isClosed, readerOf } from './tolerant.js';

/**
 * The JSON Schema files published for hub implementers (`docs/schemas/`), generated from the zod
 * schemas so the two cannot drift apart. `scripts/contract-docs.ts` writes them; a test fails when
 * a file is stale, and another validates real captured traffic against them with a standard validator.
 * Refinements that JSON Schema cannot state (resend's `to_seq >= from_seq`) are only in zod and in
 * the schema's description.
 *
 * Each file describes the message as it travels: the payload, and the `sig` member a signed message ends with.
 * What the agent SENDS is exact (`additionalProperties: false`: this agent version never sends another key; a
 * reader must still tolerate unknown keys, each file says so). What the agent RECEIVES is read tolerantly
 * (`additionalProperties: true`: a hub may add fields, the agent ignores them), except `cmd/set-policy`, whose
 * keys are requests (closed, see `tolerant.ts`). Every `schema` id a payload carries names one file
 * (`schemaFileOf`): `qmon.cmd/1`, which every command carries, names the command envelope `qmon.cmd-1.schema.json`.
 */
type WithSchemaFile = Extract<(typeof MESSAGES)[number], { schemaFile: string }>;
export type JsonSchemaFile = WithSchemaFile['schemaFile'];

const withSchema = MESSAGES.filter((m): m is WithSchemaFile => 'schemaFile' in m);

/** Schema file → zod schema (Object.fromEntries cannot keep the key type, hence the cast). */
export const JSON_SCHEMA_SOURCES = Object.fromEntries(withSchema.map((m) => [m.schemaFile, m.payload as z.ZodType])) as Readonly<
  Record<JsonSchemaFile, z.ZodType>
>;

/** Files of messages the agent receives and reads tolerantly (published with additionalProperties: true). */
export const TOLERANT_SCHEMA_FILES: ReadonlySet<JsonSchemaFile> = new Set(
  withSchema.filter((m) => m.publisher === 'hub' && !isClosed(m.payload)).map((m) => m.schemaFile),
);

/** The command envelope: the file `"schema": "qmon.cmd/1"` names (every command; the topic says which). */
export const COMMAND_SCHEMA_FILE = 'qmon.cmd-1.schema.json';

/** Every file in `docs/schemas/`: one per JSON message, and the command envelope. */
export type PublishedSchemaFile = JsonSchemaFile | typeof COMMAND_SCHEMA_FILE;
export const PUBLISHED_SCHEMA_FILES: readonly PublishedSchemaFile[] = [...withSchema.map((m) => m.schemaFile), COMMAND_SCHEMA_FILE];

/** The published file a payload's `schema` id names: `qmon.event/1` → `qmon.event-1.schema.json`. */
export function schemaFileOf(schemaId: string): string {
  return `${schemaId.replace('/', '-')}.schema.json`;
}

export type JsonSchemaTarget = 'draft-2020-12' | 'draft-7';

/** What a reader of this message must do with keys the file does not list (the contract's tolerant-reader rule). */
function readerRule(file: JsonSchemaFile): string {
  if (TOLERANT_SCHEMA_FILES.has(file)) {
    return 'Readers tolerate unknown fields: a hub may add its own (additionalProperties: true); the agent ignores and drops them.';
  }
  if (withSchema.find((m) => m.schemaFile === file)?.publisher === 'hub') {
    return 'Closed: the agent refuses an unknown key (each key is a request it must either apply or refuse).';
  }
  return (
    'Readers must tolerate unknown fields (the contract\'s tolerant-reader rule): a newer v1 agent may add optional ' +
    'fields. This file lists exactly what this agent version writes (additionalProperties: false), for testing ' +
    'fixtures; a hub validating live traffic must ignore additional properties rather than reject the message.'
  );
}

/**
 * The JSON Schema of one payload: 2020-12 for the published files, draft-07 for the AsyncAPI
 * document (whose default schema format is a superset of draft-07).
 */
export function jsonSchemaFor(file: JsonSchemaFile, target: JsonSchemaTarget = 'draft-2020-12'): Record<string, unknown> {
  const strict = JSON_SCHEMA_SOURCES[file];
  const tolerant = TOLERANT_SCHEMA_FILES.has(file);
  const json = z.toJSONSchema(tolerant ? readerOf(strict) : strict, {
    target,
    unrepresentable: 'throw',
    override: (ctx) => {
      // zod writes `false` for a strip object too (it drops unknown keys from its output); the
      // published meaning of a tolerant reader is "unknown keys are allowed", so say so.
      const def = ctx.zodSchema._zod.def;
      if (tolerant && def.type === 'object' && def.catchall === undefined) ctx.jsonSchema.additionalProperties = true;
    },
  });
  const { $schema: _s, ...sig } = z.toJSONSchema(SignatureMember, { target, unrepresentable: 'throw' });
  const properties = { ...(json.properties as Record<string, unknown>), sig };
  return { $id: file, ...json, properties, description: `${String(json.description)} ${readerRule(file)}` };
}

/** The command envelope (`qmon.cmd/1`): any one command, each also published alone; the topic says which. */
function commandEnvelope(): Record<string, unknown> {
  const commands = withSchema.filter((m) => m.name.startsWith('cmd-'));
  const defs = Object.fromEntries(
    commands.map((m) => {
      const { $schema: _s, $id: _i, ...schema } = jsonSchemaFor(m.schemaFile);
      return [m.name.slice('cmd-'.length), schema];
    }),
  );
  return {
    $id: COMMAND_SCHEMA_FILE,
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'qmon.cmd/1',
    description:
      'Every command on qmon/v1/{fid}/cmd/{name} may carry "schema": "qmon.cmd/1"; which command it is comes from the ' +
      'topic ({name}), and its payload is the one under $defs/{name}, also published alone as ' +
      'qmon.cmd-{name}-1.schema.json. A message valid here is valid for at least one command; validate against the ' +
      'one its topic names. New commands are added within v1 (an agent answers an unknown one with ok: false).',
    anyOf: Object.keys(defs).map((name) => ({ $ref: `#/$defs/${name}` })),
    $defs: defs,
  };
}

/** The exact text of each file (2-space JSON + newline), so a byte comparison is meaningful. */
export function jsonSchemaText(file: PublishedSchemaFile): string {
  return `${JSON.stringify(file === COMMAND_SCHEMA_FILE ? commandEnvelope() : jsonSchemaFor(file), null, 2)}\n`;
}
