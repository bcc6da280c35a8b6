// Regenerates the published contract files from the zod schemas in agent/contract/:
//   npx tsx scripts/contract-docs.ts
// writes docs/schemas/*.schema.json; test/contract/contract.test.ts fails while a file differs.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { JSON_SCHEMA_SOURCES, jsonSchemaText, type JsonSchemaFile } from '../agent/contract/index.js';

const schemaDir = fileURLToPath(new URL('../docs/schemas/', import.meta.url));
for (const file of Object.keys(JSON_SCHEMA_SOURCES) as JsonSchemaFile[]) {
  writeFileSync(schemaDir + file, jsonSchemaText(file));
  process.stdout.write(`wrote docs/schemas/${file}\n`);
}
