import { describe, expect, it } from 'vitest';
import { duplicateKeys } from './json-keys.js';

describe('duplicateKeys (test helper)', () => {
  it('finds a key repeated at the top level and inside nested objects', () => {
    expect(duplicateKeys('{"a":1,"b":2,"a":3}')).toEqual(['a']);
    expect(duplicateKeys('{"o":{"x":1,"x":2},"p":[{"y":1,"y":2}]}')).toEqual(['x', 'y']);
  });

  it('does not confuse equal keys in sibling objects, string values or escaped quotes with repeats', () => {
    expect(duplicateKeys('{"a":{"k":1},"b":{"k":2},"c":"\\"a\\":1,\\"a\\":2","d":["a","a"]}')).toEqual([]);
  });
});
