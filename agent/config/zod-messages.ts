/**
 * Plain-English wording for zod's issues: what was expected and what was found, never zod's
 * internal vocabulary ("Invalid input: expected string, received undefined").
 */
import { z } from 'zod';
import { closest, describeValue, isSecretPath } from './describe.js';

type RawIssue = z.core.$ZodRawIssue;

/** Keys a strict object accepts, recorded per unknown-key issue so each key gets its own line. */
export type AllowedKeys = Map<string, readonly string[]>;

const TYPE_NOUN: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value pairs)',
  array: 'a list',
  tuple: 'a list',
};

function noun(expected: string): string {
  return TYPE_NOUN[expected] ?? `a value of type ${expected}`;
}

function bound(n: unknown): string {
  return typeof n === 'bigint' ? n.toString() : String(n);
}

function lastKey(path: readonly PropertyKey[] | undefined): string | undefined {
  const k = path?.[path.length - 1];
  return typeof k === 'string' ? k : undefined;
}

function shapeKeys(inst: unknown): readonly string[] {
  if (inst instanceof z.core.$ZodObject) return Object.keys(inst._zod.def.shape);
  return [];
}

/** Builds the per-parse error map; `allowed` collects the accepted keys of objects with unknown keys. */
export function makeErrorMap(allowed: AllowedKeys): z.core.$ZodErrorMap {
  return (iss: RawIssue): string | undefined => {
    const secret = isSecretPath(iss.path);
    const got = describeValue(iss.input, secret);
    switch (iss.code) {
      case 'invalid_type': {
        if (iss.input === undefined) {
          const k = lastKey(iss.path);
          return `${k === undefined ? 'a value' : `key "${k}"`} is required (expected ${noun(iss.expected)})`;
        }
        const quoteHint =
          iss.expected === 'string' && (typeof iss.input === 'number' || typeof iss.input === 'boolean')
            ? ' (put it in quotes)'
            : '';
        return `expected ${noun(iss.expected)}, got ${got}${quoteHint}`;
      }
      case 'too_small':
      case 'too_big': {
        const small = iss.code === 'too_small';
        const limit = bound(small ? iss.minimum : iss.maximum);
        if (iss.origin === 'array' || iss.origin === 'set') {
          const len = Array.isArray(iss.input) ? iss.input.length : '?';
          const how = iss.exact ? 'exactly' : small ? 'at least' : 'at most';
          return `expected ${how} ${limit} item${limit === '1' ? '' : 's'}, got ${len}`;
        }
        if (iss.origin === 'string') {
          if (small && limit === '1') return 'expected a non-empty string';
          return `expected ${small ? 'at least' : 'at most'} ${limit} characters, got ${String(iss.input).length}`;
        }
        const how = small ? (iss.inclusive ? 'at least' : 'greater than') : iss.inclusive ? 'at most' : 'less than';
        return `expected a number ${how} ${limit}, got ${got}`;
      }
      case 'invalid_value': {
        const vals = iss.values.map((v) => (typeof v === 'string' ? v : String(v)));
        return vals.length === 1 ? `expected ${JSON.stringify(iss.values[0])}, got ${got}` : `expected one of ${vals.join(', ')}, got ${got}`;
      }
      case 'invalid_format':
        return iss.format === 'regex' ? `expected text matching ${String(iss.pattern)}, got ${got}` : `expected a valid ${iss.format}, got ${got}`;
      case 'not_multiple_of':
        return `expected a multiple of ${bound(iss.divisor)}, got ${got}`;
      case 'unrecognized_keys':
        allowed.set(JSON.stringify(iss.path ?? []), shapeKeys(iss.inst));
        return 'unknown key';
      case 'invalid_union':
        return `expected one of the accepted forms, got ${got}`;
      case 'custom':
        return iss.message ?? `invalid value ${got}`;
      default:
        return `invalid value ${got}`;
    }
  };
}

// Options people reach for when a certificate does not verify; the answer is to fix the CA file.
const INSECURE_KEY = /insecure|reject_?unauthori[sz]ed|verify|no_?check|skip_?tls/i;

/** Message for one unknown key, with a spelling hint and the keys that are accepted there. */
export function unknownKeyMessage(key: string, allowedKeys: readonly string[]): string {
  const hint = closest(key, allowedKeys);
  const parts: string[] = [];
  if (hint !== undefined) parts.push(`did you mean "${hint}"?`);
  if (allowedKeys.length > 0) parts.push(`allowed: ${allowedKeys.join(', ')}`);
  const tail = parts.length > 0 ? ` (${parts.join(' ')})` : '';
  const insecure = INSECURE_KEY.test(key) ? '; certificate checks cannot be turned off' : '';
  return `unknown key "${key}"${tail}${insecure}`;
}
