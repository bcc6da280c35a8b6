import { redactText } from '../ops/index.js';

/**
 * Short, human descriptions of YAML values for error messages ("got "inn"", "got a list of 3").
 * Values under secret keys are never echoed, only their kind.
 */

const MAX_ECHO = 40;

/** Keys whose values are secrets or secret references; their values never appear in messages. */
export const SECRET_FIELD = /^(password|key)$/;

export function isSecretPath(path: readonly PropertyKey[] | undefined): boolean {
  const last = path?.[path.length - 1];
  return typeof last === 'string' && SECRET_FIELD.test(last);
}

/** `"inn"`, `3`, `true`, `null`, `a list of 3 items`, `a mapping`; `secret` hides strings and numbers. */
export function describeValue(value: unknown, secret = false): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  switch (typeof value) {
    case 'string': {
      if (secret) return 'a string';
      // Redact before truncating: a URL with user:pass@ cut short would no longer look like one.
      const safe = redactText(value);
      return JSON.stringify(safe.length > MAX_ECHO ? `${safe.slice(0, MAX_ECHO)}…` : safe);
    }
    case 'number':
      return secret ? 'a number' : Number.isFinite(value) ? String(value) : `${value} (not a finite number)`;
    case 'boolean':
      return secret ? 'true/false' : String(value);
    case 'object':
      return 'a mapping (key: value pairs)';
    default:
      return `a value of type ${typeof value}`;
  }
}

/** Edit distance, for "did you mean" hints on misspelt keys. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate within a small edit distance, if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
