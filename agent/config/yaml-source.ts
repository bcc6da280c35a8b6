/**
 * Reads the YAML text into a document that remembers where every key is, so that any later check
 * (zod, geometry, secrets) can point the installer at `file:line:col`.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type YAMLError } from 'yaml';
import { formatPath, type ConfigIssue } from './errors.js';

export interface YamlSource {
  readonly file: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** The plain JS value of the document. */
  readonly data: unknown;
}

export interface YamlParseResult {
  readonly source?: YamlSource;
  readonly errors: ConfigIssue[];
  readonly warnings: ConfigIssue[];
}

const FRIENDLY: Record<string, string> = {
  MULTIPLE_DOCS: 'the file holds more than one YAML document (a second "---"); keep one',
  TAB_AS_INDENT: 'tabs are not allowed for indentation in YAML; use spaces',
};

type Ranged = { range?: [number, number, number] | null };

/** Key path of the mapping key that starts at `offset`, if any (for errors the YAML parser reports). */
function keyPathAt(node: unknown, offset: number, path: (string | number)[] = []): (string | number)[] | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = pair.key as Ranged | null;
      if (isScalar(pair.key) && key?.range?.[0] === offset) return [...path, String(pair.key.value)];
      const found = keyPathAt(pair.value, offset, [...path, isScalar(pair.key) ? String(pair.key.value) : '?']);
      if (found) return found;
    }
  } else if (isSeq(node)) {
    for (let i = 0; i < node.items.length; i++) {
      const found = keyPathAt(node.items[i], offset, [...path, i]);
      if (found) return found;
    }
  }
  return undefined;
}

function issueFromYamlError(file: string, text: string, lines: LineCounter, err: YAMLError, contents: unknown): ConfigIssue {
  const { line, col } = lines.linePos(err.pos[0]);
  let message: string;
  if (err.code === 'DUPLICATE_KEY') {
    const path = keyPathAt(contents, err.pos[0]);
    // The error's range covers only the key's first character; the key runs up to its colon.
    const key = /^("[^"\n]*"|'[^'\n]*'|[^:\n#{}[\],]+?)\s*:/.exec(text.slice(err.pos[0]))?.[1]?.replace(/^["']|["']$/g, '');
    message = `duplicate key${key !== undefined && key.length <= 64 ? ` "${key}"` : ''} (each key may appear once in a mapping)`;
    return { file, path: path ? formatPath(path) : '', line, col, message };
  } else {
    // Only the first line: the rest is a snippet of the file, which may hold a literal password.
    message = `YAML syntax: ${FRIENDLY[err.code] ?? err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`;
  }
  return { file, path: '', line, col, message };
}

export function parseYaml(file: string, text: string): YamlParseResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const errors = doc.errors.map((e) => issueFromYamlError(file, text, lines, e, doc.contents));
  const warnings = doc.warnings.map((w) => issueFromYamlError(file, text, lines, w, doc.contents));
  if (errors.length > 0) return { errors, warnings };
  if (doc.contents === null) return { errors: [{ file, path: '', message: 'the file is empty (expected facility, hub, storage, cameras, …)' }], warnings };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // Unresolved aliases and alias bombs surface here, not in doc.errors.
    const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    return { errors: [{ file, path: '', message: `YAML: ${msg}` }], warnings };
  }
  return { source: { file, doc, lines, data }, errors, warnings };
}

/**
 * Where a key path is in the file: the key itself for mapping entries, the item for list entries.
 * A path that is not in the file (a missing key) points at the deepest part that is.
 */
export function locate(src: YamlSource, path: readonly PropertyKey[]): { line: number; col: number } | undefined {
  let node: unknown = src.doc.contents;
  let offset = (node as Ranged | null)?.range?.[0];
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(src.doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair === undefined) break;
      offset = (pair.key as Ranged).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item: unknown = node.items[seg];
      if (item === undefined || item === null) break;
      offset = (item as Ranged).range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : src.lines.linePos(offset);
}

/** A ConfigIssue for `path`, placed in the file. */
export function issueAt(src: YamlSource, path: readonly PropertyKey[], message: string): ConfigIssue {
  const pos = locate(src, path);
  const pathText = formatPath(path);
  return pos === undefined ? { file: src.file, path: pathText, message } : { file: src.file, path: pathText, line: pos.line, col: pos.col, message };
}
