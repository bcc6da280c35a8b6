// Regenerates the published contract files from contract/ (the zod schemas and the message table):
//   npx tsx scripts/contract-docs.ts
// writes docs/schemas/*.schema.json and docs/asyncapi.yaml; test/contract/*.test.ts fail while a file differs.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PUBLISHED_SCHEMA_FILES, asyncApiText, jsonSchemaText } from '../contract/index.js';

const docs = fileURLToPath(new URL('../docs/', import.meta.url));
for (const file of PUBLISHED_SCHEMA_FILES) {
  writeFileSync(`${docs}schemas/${file}`, jsonSchemaText(file));
  process.stdout.write(`wrote docs/schemas/${file}\n`);
}
writeFileSync(`${docs}asyncapi.yaml`, asyncApiText());
process.stdout.write('wrote docs/asyncapi.yaml\n');
