/**
 * What counts as "English left in the Vietnamese page": the words of the English table (and a few that slip out of
 * code: `source`, `now`, `unknown`, `overload`…), less the loanwords Vietnamese uses as they are. Shared by the table
 * test and the browser test that reads every page's text.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface Strings {
  readonly vi: Readonly<Record<string, string>>;
  readonly en: Readonly<Record<string, string>>;
}

/** The page's own tables (agent/local/ui/strings.js is plain JavaScript for the browser; read it as data). */
export async function loadStrings(): Promise<Strings> {
  return (await import(pathToFileURL(join(process.cwd(), 'agent/local/ui/strings.js')).href)) as Strings;
}

/** Written the same in Vietnamese UIs, or names: not a leak. */
const LOANWORDS = new Set(['camera', 'csv', 'qmon', 'mb', 'english', 'tiếng', 'việt', 'chrony', 'centernet']);

/** Words code tends to leak into a page (raw field names and codes) that the English table may not contain. */
const CODE_WORDS = ['source', 'now', 'unknown', 'overload', 'dropped', 'null', 'undefined', 'true', 'false', 'error', 'line', 'zone', 'out', 'none', 'low_fps', 'stalled'];

let cache: Set<string> | null = null;

function englishWords(s: Strings): Set<string> {
  if (cache) return cache;
  const words = new Set(CODE_WORDS);
  for (const v of Object.values(s.en)) {
    for (const w of v.replace(/\{\w+\}/g, ' ').toLowerCase().match(/[a-z][a-z_]{2,}/g) ?? []) words.add(w);
  }
  for (const w of LOANWORDS) words.delete(w);
  cache = words;
  return words;
}

/** The English words in `text`, in order of appearance (each once). */
export function englishWordsIn(text: string, s: Strings): string[] {
  const words = englishWords(s);
  // Whole words only: split on anything that is not a (Vietnamese) letter, digit or underscore.
  const found = text.toLowerCase().split(/[^\p{L}\p{N}_]+/u).filter((w) => words.has(w));
  return [...new Set(found)];
}
