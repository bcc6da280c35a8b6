import { z } from 'zod';
import { MESSAGES } from './messages.js';
import { isClosed, readerOf } from './tolerant.js';

/**
 * The JSON Schema files published for hub implementers (`docs/schemas/`), generated from the zod
 * schemas so the two cannot drift apart. `scripts/contract-docs.ts` writes them; a test fails when
 * a file is stale. Refinements that JSON Schema cannot state (resend's `to_seq >= from_seq`) are
 * only in zod and in the schema's description.
 *
 * Each file describes the message as the agent handles it. What the agent SENDS is exact
 * (`additionalProperties: false`: this agent never sends another key). What the agent RECEIVES is
 * read tolerantly (`additionalProperties: true`: a hub may add fields, the agent ignores them),
 * except `cmd/set-policy`, whose keys are requests (closed, see `tolerant.ts`).
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

export type JsonSchemaTarget = 'draft-2020-12' | 'draft-7';

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
  return { $id: file, ...json };
}

/** The exact text of each file (2-space JSON + newline), so a byte comparison is meaningful. */
export function jsonSchemaText(file: JsonSchemaFile): string {
  return `${JSON.stringify(jsonSchemaFor(file), null, 2)}\n`;
}
