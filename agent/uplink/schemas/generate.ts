// Regenerates the JSON Schema files next to this script from the zod schemas:
//   npx tsx agent/uplink/schemas/generate.ts
// test/uplink/contract.test.ts fails while a file differs from what this writes.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JSON_SCHEMA_SOURCES, jsonSchemaText, type JsonSchemaFile } from '../json-schemas.js';

const here = dirname(fileURLToPath(import.meta.url));
for (const file of Object.keys(JSON_SCHEMA_SOURCES) as JsonSchemaFile[]) {
  writeFileSync(join(here, file), jsonSchemaText(file));
  process.stdout.write(`wrote ${file}\n`);
}
