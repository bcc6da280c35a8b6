/**
 * `npm run check` lints the sources, never build output: `npm run package` once left deb-out/stage/ with a compiled
 * dist/ in it, and `eslint .` failed on 284 parse errors there. Asked of the project's own eslint.config.js.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: root });

describe('what eslint . looks at', () => {
  it.each([
    'deb-out/stage/root/usr/lib/qmon/dist/agent/cli.js',
    'deb-out/qmon_0.1.0_amd64.deb',
    'dist/agent/cli.js',
    'some/where/else/dist/agent/app.js',
    '.test-out/vitest.json',
  ])('ignores build output: %s', async (file) => {
    expect(await eslint.isPathIgnored(path.join(root, file))).toBe(true);
  });

  it.each(['agent/cli.ts', 'test/lint/ignores.test.ts', 'scripts/contract-docs.ts'])('still lints sources: %s', async (file) => {
    expect(await eslint.isPathIgnored(path.join(root, file))).toBe(false);
  });
});
