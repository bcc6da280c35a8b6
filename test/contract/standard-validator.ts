// A standard JSON Schema validator over docs/schemas/, as a national vendor would run one: ajv. ajv 8's 2020-12
// class when it is installed (devDependency `ajv@^8`), else the ajv 6 that eslint brings along, which implements
// draft-07: the published files use only keywords whose meaning is the same in draft-07 and 2020-12 (checked
// below, so a file that starts using another one fails here instead of being half-checked).
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SCHEMA_DIR = fileURLToPath(new URL('../../docs/schemas/', import.meta.url));
const require = createRequire(import.meta.url);

/** Keywords that mean the same in draft-07 and 2020-12 (annotations included). */
const SAME_IN_BOTH = new Set([
  '$id', '$schema', '$ref', '$defs', '$comment', 'title', 'description', 'type', 'properties', 'required', 'additionalProperties', 'const',
  'enum', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'format', 'anyOf', 'oneOf', 'allOf', 'items', 'minItems',
  'maxItems', 'minLength', 'maxLength', 'propertyNames',
]);

/** Keywords of a schema (not of the names under properties/$defs), walked deep. */
function keywordsOf(schema: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) keywordsOf(s, out);
  else if (schema !== null && typeof schema === 'object') {
    for (const [k, v] of Object.entries(schema)) {
      out.add(k);
      if (k === 'properties' || k === '$defs') for (const sub of Object.values(v as object)) keywordsOf(sub, out);
      else if (k === 'items' || k === 'anyOf' || k === 'oneOf' || k === 'allOf' || k === 'additionalProperties' || k === 'propertyNames') keywordsOf(v, out);
    }
  }
  return out;
}

interface AjvLike {
  addSchema(schema: object): unknown;
  validate(ref: string, data: unknown): boolean | PromiseLike<unknown>;
  errorsText(errors?: unknown): string;
  errors?: unknown;
}

export interface StandardValidator {
  /** Which validator and draft (for the test's name and failure messages). */
  readonly name: string;
  /** The published files, by file name. */
  readonly files: ReadonlySet<string>;
  /** Violations of `value` against the published file `file` (empty = valid). */
  validate(file: string, value: unknown): string[];
}

export function standardValidator(): StandardValidator {
  const schemas = readdirSync(SCHEMA_DIR)
    .filter((f) => f.endsWith('.schema.json'))
    .map((f) => ({ file: f, json: JSON.parse(readFileSync(SCHEMA_DIR + f, 'utf8')) as Record<string, unknown> }));
  let ajv: AjvLike;
  let name: string;
  try {
    // Optional: present only once ajv 8 is a devDependency.
    const Ajv2020 = (require('ajv/dist/2020') as { default: new (o: object) => AjvLike }).default;
    // Strict, but for union types (`"type": ["number", "null"]`), which 2020-12 has and the generated schemas use.
    ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    name = 'ajv 8, JSON Schema 2020-12';
    // ajv 8 keeps formats in ajv-formats; without it date-time is an unknown format in strict mode.
    try {
      (require('ajv-formats') as (a: AjvLike) => void)(ajv);
    } catch {
      ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, validateFormats: false });
      name += ' (formats not checked: ajv-formats missing; the patterns still are)';
    }
  } catch {
    const Ajv6 = require('ajv') as new (o: object) => AjvLike;
    const version = (require('ajv/package.json') as { version: string }).version;
    if (!version.startsWith('6.')) throw new Error(`ajv ${version} without ajv/dist/2020: expected ajv 6 or 8`);
    for (const { file, json } of schemas) {
      const beyond = [...keywordsOf(json)].filter((k) => !SAME_IN_BOTH.has(k));
      if (beyond.length > 0) throw new Error(`${file} uses ${beyond.join(', ')}: not the same in draft-07; install ajv 8 (devDependency ajv@^8) to check it`);
    }
    // The files say 2020-12 in $schema, a meta-schema ajv 6 does not have: it validates data with draft-07 semantics.
    ajv = new Ajv6({ allErrors: true, schemaId: '$id', validateSchema: false, format: 'full' });
    name = `ajv ${version}, draft-07 semantics (every keyword used means the same in 2020-12)`;
  }
  for (const { json } of schemas) ajv.addSchema(json);
  return {
    name,
    files: new Set(schemas.map((s) => s.file)),
    validate(file, value) {
      const ok = ajv.validate(file, value);
      return ok === true ? [] : [ajv.errorsText(ajv.errors)];
    },
  };
}
