/**
 * Appends items to a block sequence by splicing text into the original file, so everything the
 * installer wrote (comment alignment, flow lists, blank lines) stays byte-for-byte as it was. A
 * YAML re-serialisation keeps comments but re-flows the whole file, which turns a one-camera
 * change into a diff of every line.
 */
import { Document, isSeq, parse, type YAMLSeq } from 'yaml';
import { isDeepStrictEqual } from 'node:util';

/**
 * The file text with `seq.items.slice(fromIndex)` (the top-level `key`'s sequence) appended after its last old item, or undefined
 * when the sequence's layout does not allow a safe splice (flow style, empty, nested dashes) or the
 * result would not parse back to the same data.
 */
export function appendItemsText(text: string, key: string, seq: YAMLSeq, fromIndex: number): string | undefined {
  const first = seq.items[0] as { range?: [number, number, number] } | undefined;
  if (seq.flow || fromIndex === 0 || !first?.range || !seq.range) return undefined;
  const lineStart = text.lastIndexOf('\n', first.range[0] - 1) + 1;
  const dash = /^( *)- +$/.exec(text.slice(lineStart, first.range[0]));
  if (!dash) return undefined;
  const indent = dash[1]!;
  const rendered = new Document(seq.items.slice(fromIndex)).toString({ lineWidth: 0 });
  const block = rendered
    .split('\n')
    .map((line) => (line === '' ? line : `${indent}${line}`))
    .join('\n');
  const at = seq.range[1];
  const before = text.slice(0, at);
  const out = `${before}${before.endsWith('\n') || before === '' ? '' : '\n'}${block}${block.endsWith('\n') ? '' : '\n'}${text.slice(at)}`;
  const expected: unknown = new Document(seq).toJS();
  const parsed: unknown = parse(out);
  const got: unknown = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>)[key] : undefined;
  return isSeq(seq) && isDeepStrictEqual(got, expected) ? out : undefined;
}
