import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { keysCommand } from '../../agent/cli/keys.js';
import { hubFacilityCommand } from '../../agent/cli/hub-facility.js';
import { HubDb } from '../../hub/index.js';
import { tempDir } from '../store/fixtures.js';

let tmp: { dir: string; cleanup: () => void };
let out = '';

beforeEach(() => {
  tmp = tempDir('keys-cli');
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += c.toString()), true));
});

afterEach(() => {
  vi.restoreAllMocks();
  tmp.cleanup();
});

/** Runs one command and returns what it printed. */
function printed(f: () => number): string {
  out = '';
  expect(f()).toBe(0);
  return out;
}

/** The same for an async command (hub facility). */
async function printedAsync(f: () => Promise<number>): Promise<string> {
  out = '';
  expect(await f()).toBe(0);
  return out;
}

const kidOf = (text: string) => /key id: ([0-9a-f]{16})/.exec(text)?.[1];

describe('qmon keys / qmon hub keys / qmon hub facility key', () => {
  it('generates a pair (private 0600, public 0644), prints the key id, refuses to overwrite', () => {
    const dir = join(tmp.dir, 'etc');
    const made = printed(() => keysCommand(['generate', '--out', dir], 'facility'));
    expect(made).toMatch(/public key \(base64\): [A-Za-z0-9+/]{43}=\nkey id: [0-9a-f]{16}\n$/);
    expect(statSync(join(dir, 'facility-key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'facility-key.pub.pem')).mode & 0o777).toBe(0o644);
    expect(kidOf(printed(() => keysCommand(['show', '--key', join(dir, 'facility-key.pem')], 'facility')))).toBe(kidOf(made));
    expect(() => keysCommand(['generate', '--out', dir], 'facility')).toThrow(/exists; not overwriting a key/);
    expect(printed(() => keysCommand(['generate', '--out', dir], 'hub'))).toMatch(/hub-key\.pem \(private, 0600\)/);
    expect(() => keysCommand(['show', '--key', join(dir, 'facility-key.pub.pem')], 'facility')).toThrow(/not a readable PEM private key/);
    expect(() => keysCommand(['generate'], 'facility')).toThrow(/--out DIR is required/);
  });

  it('registers a facility with its key and rotates it: next (both verify), promote, set', async () => {
    const db = join(tmp.dir, 'hub.db');
    const kid = (n: string) => kidOf(printed(() => keysCommand(['generate', '--out', join(tmp.dir, n)], 'facility')))!;
    const [k1, k2, k3] = [kid('k1'), kid('k2'), kid('k3')];
    const pub = (n: string) => join(tmp.dir, n, 'facility-key.pub.pem');
    expect(await printedAsync(() => hubFacilityCommand(['add', 'bg-0137', '--public-key', pub('k1'), '--province', 'bac-giang', '--db', db]))).toBe(`registered bg-0137 with key ${k1}\n`);
    expect(await printedAsync(() => hubFacilityCommand(['key', 'bg-0137', '--next', pub('k2'), '--db', db]))).toBe(`bg-0137: key ${k1}, next key ${k2}\n`);
    const hub = new HubDb(db);
    try {
      expect(hub.registry.keys('bg-0137')).toHaveLength(2);
      expect(hub.registry.provinceOf('bg-0137')).toBe('bac-giang');
    } finally {
      hub.close();
    }
    expect(await printedAsync(() => hubFacilityCommand(['list', '--db', db]))).toMatch(new RegExp(`^bg-0137\\tenabled\\t\\S+\\tkey ${k1} \\(next ${k2}\\)\\t\\n$`));
    expect(await printedAsync(() => hubFacilityCommand(['key', 'bg-0137', '--promote', '--db', db]))).toBe(`bg-0137: key ${k2}\n`);
    await expect(hubFacilityCommand(['key', 'bg-0137', '--promote', '--db', db])).rejects.toThrow(/has no next key/);
    expect(await printedAsync(() => hubFacilityCommand(['key', 'bg-0137', '--set', pub('k3'), '--db', db]))).toBe(`bg-0137: key ${k3}\n`);
    await expect(hubFacilityCommand(['key', 'bg-0137', '--set', join(tmp.dir, 'k3', 'facility-key.pem'), '--db', db])).rejects.toThrow(/bg-0137: this is a PRIVATE key; give the public key/);
    await expect(hubFacilityCommand(['key', 'hn-9999', '--set', pub('k3'), '--db', db])).rejects.toThrow(/hn-9999 is not registered/);
    await expect(hubFacilityCommand(['key', 'bg-0137', '--db', db])).rejects.toThrow(/exactly one of --set FILE, --next FILE, --promote/);
    await expect(hubFacilityCommand(['list', '--next', pub('k3'), '--db', db])).rejects.toThrow(/only go with key/);
  });
});
