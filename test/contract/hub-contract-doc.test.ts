// docs/hub-contract.md is written for people; this keeps it true. Its topic table must be the one the
// message table in contract generates, every JSON example must validate against its schema and
// be what the real builders produce, and every payload must have an example and a link to its file.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  JSON_SCHEMA_SOURCES,
  MAX_COMMAND_BYTES,
  MAX_SNAPSHOT_BYTES,
  readerOf,
  type JsonSchemaFile,
} from '../../contract/index.js';
import { topicTable } from './doc-table.js';
import { SAMPLES } from './samples.js';

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const doc = readFileSync(`${DOCS}hub-contract.md`, 'utf8');

interface Example {
  readonly file: JsonSchemaFile;
  /** `reader`: an example of what a receiver tolerates (extra fields), not of what a sender writes. */
  readonly reader: boolean;
  readonly line: number;
  readonly text: string;
}

function examples(): Example[] {
  const out: Example[] = [];
  const re = /^```json ([a-z0-9.-]+\.schema\.json)( reader)?\n([\s\S]*?)^```$/gm;
  for (const m of doc.matchAll(re)) {
    out.push({ file: m[1] as JsonSchemaFile, reader: m[2] !== undefined, line: doc.slice(0, m.index).split('\n').length, text: m[3]! });
  }
  return out;
}

/** Event ids of the samples are minted per run; the doc's are fixed. */
const sameBut = (o: Record<string, unknown>) => ('event_id' in o ? { ...o, event_id: '(id)' } : o);

describe('docs/hub-contract.md', () => {
  it('shows the topic table generated from the contract', () => {
    expect(doc).toContain(topicTable());
  });

  it('has at least one example of every JSON payload, and links every schema file that exists', () => {
    const files = new Set(examples().map((e) => e.file));
    for (const f of Object.keys(JSON_SCHEMA_SOURCES) as JsonSchemaFile[]) {
      expect(files.has(f), `no example for ${f}`).toBe(true);
      expect(existsSync(`${DOCS}schemas/${f}`), f).toBe(true);
    }
    for (const link of doc.matchAll(/\]\(((?:schemas\/)?[a-z0-9./-]+\.(?:json|yaml))\)/g)) {
      expect(existsSync(DOCS + link[1]!), link[1]).toBe(true);
    }
  });

  for (const e of examples()) {
    it(`example at line ${e.line} (${e.file}${e.reader ? ', reader' : ''}) is valid${e.reader ? ' for the tolerant reader' : ' and what the builders produce'}`, () => {
      const value = JSON.parse(e.text) as Record<string, unknown>;
      const strict = JSON_SCHEMA_SOURCES[e.file];
      if (e.reader) {
        expect(readerOf(strict).safeParse(value).error).toBeUndefined();
        expect(strict.safeParse(value).success, 'a reader example should show something only a reader accepts').toBe(false);
      } else {
        expect(strict.safeParse(value).error).toBeUndefined();
        expect(SAMPLES[e.file].map(sameBut)).toContainEqual(sameBut(value));
      }
    });
  }

  it('states the size limits the code enforces', () => {
    const section = doc.slice(doc.indexOf('## Size limits'));
    expect(section.length).toBeLessThan(doc.length);
    expect(section).toContain(`${MAX_COMMAND_BYTES} bytes`);
    expect(section).toContain(`${MAX_SNAPSHOT_BYTES} bytes`);
  });
});
