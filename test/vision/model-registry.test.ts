import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultModelsDir, ModelError, ModelRegistry } from '../../agent/vision/index.js';
import { ModelManifestSchema } from '../../agent/vision/manifest.js';

const CONTENT = Buffer.from('not really a model, but bytes with a known hash\n');
const HASH = createHash('sha256').update(CONTENT).digest('hex');

function entry(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'tiny',
    role: 'person',
    version: '1',
    file: 'tiny.onnx',
    sha256: HASH,
    bytes: CONTENT.length,
    licence: 'MIT',
    source: { note: 'test fixture' },
    input: { name: 'images', shape: [1, 8, 8, 3], layout: 'NHWC', dtype: 'float32', normalisation: 'raw 0-255 RGB' },
    outputs: [{ name: 'detections', shape: [1, 2, 6], decoding: 'rows' }],
    classes: { person: 0 },
    ...over,
  };
}

describe('ModelRegistry', () => {
  let dir: string;
  const writeManifest = (models: unknown[], extra: Record<string, unknown> = {}) =>
    writeFileSync(join(dir, 'models.json'), JSON.stringify({ schema: 1, models, ...extra }));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'qmon-models-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a file whose size and sha256 match the manifest, returning those exact bytes', async () => {
    writeManifest([entry(), entry({ name: 'other', role: 'face', file: 'sub/other.onnx' })]);
    writeFileSync(join(dir, 'tiny.onnx'), CONTENT);
    const reg = ModelRegistry.open(dir);
    expect(reg.entries().map((e) => e.name)).toEqual(['tiny', 'other']);
    expect(reg.forRole('face').name).toBe('other');
    expect(reg.pathOf(reg.get('other'))).toBe(join(dir, 'sub', 'other.onnx'));
    const m = await reg.load('tiny');
    expect(m.path).toBe(join(dir, 'tiny.onnx'));
    expect(Buffer.from(m.bytes).equals(CONTENT)).toBe(true);
    expect(m.entry.source).toEqual({ note: 'test fixture' }); // provenance kept as written
  });

  it('a missing file is a ModelError naming the file and the fix', async () => {
    writeManifest([entry()]);
    const err = await ModelRegistry.open(dir).load('tiny').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelError);
    const msg = (err as Error).message;
    expect(msg).toContain(join(dir, 'tiny.onnx'));
    expect(msg).toContain('is missing');
    expect(msg).toContain('npm run models');
  });

  it('a file with the wrong hash is refused with expected vs actual hash and the fix', async () => {
    writeManifest([entry()]);
    const tampered = Buffer.from(CONTENT);
    tampered[0] = (tampered[0] as number) ^ 1; // same size, one bit different
    writeFileSync(join(dir, 'tiny.onnx'), tampered);
    const actual = createHash('sha256').update(tampered).digest('hex');
    const msg = ((await ModelRegistry.open(dir).load('tiny').catch((e: unknown) => e)) as Error).message;
    expect(msg).toContain(join(dir, 'tiny.onnx'));
    expect(msg).toContain(`expected sha256 ${HASH}`);
    expect(msg).toContain(`got sha256 ${actual}`);
    expect(msg).toContain('npm run models');
  });

  it('a truncated file is refused even before hashing matters (size differs)', async () => {
    writeManifest([entry()]);
    writeFileSync(join(dir, 'tiny.onnx'), CONTENT.subarray(0, 10));
    await expect(ModelRegistry.open(dir).load('tiny')).rejects.toThrow(/\(10 bytes\)\. Run `npm run models`/);
  });

  it('unknown names and roles list what is known', () => {
    writeManifest([entry()]);
    const reg = ModelRegistry.open(dir);
    expect(() => reg.get('yolo')).toThrow(/no model named "yolo".*known: tiny/);
    expect(() => reg.forRole('mask')).toThrow(/no model with role "mask".*known: tiny/);
  });

  it('rejects a manifest with bad entries, naming the key path', () => {
    writeManifest([entry({ sha256: 'ABC' })]);
    expect(() => ModelRegistry.open(dir)).toThrow(/models\[0\]\.sha256: 64 lower-case hex digits/);
    writeManifest([entry({ file: '../../etc/passwd' })]);
    expect(() => ModelRegistry.open(dir)).toThrow(/models\[0\]\.file: must be a path inside the models directory/);
    writeManifest([entry({ input: { ...(entry().input as object), layout: 'CHW' } })]);
    expect(() => ModelRegistry.open(dir)).toThrow(/models\[0\]\.input\.layout/);
    writeManifest([entry(), entry()]);
    expect(() => ModelRegistry.open(dir)).toThrow(/duplicate model name "tiny"/);
    writeManifest([entry()], { extra: true });
    expect(() => ModelRegistry.open(dir)).toThrow(/extra/);
  });

  it('a missing or unparsable manifest is a ModelError with the path', () => {
    expect(() => ModelRegistry.open(dir)).toThrow(ModelError);
    expect(() => ModelRegistry.open(dir)).toThrow(join(dir, 'models.json'));
    writeFileSync(join(dir, 'models.json'), '{"schema": 1, "models": [');
    expect(() => ModelRegistry.open(dir)).toThrow(/is not valid JSON/);
  });
});

describe('the committed models/models.json', () => {
  it('is found from the sources and describes a verified person model', () => {
    const dir = defaultModelsDir();
    const manifest = ModelManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'models.json'), 'utf8')));
    const person = manifest.models.find((m) => m.role === 'person');
    expect(person?.classes.person).toBe(0);
    expect(person?.input).toMatchObject({ layout: 'NHWC', shape: [1, 512, 512, 3], multiple_of: 32 });
    expect(person?.outputs.map((o) => [o.name, o.shape])).toEqual([['heatmap', [1, 128, 128, 1]], ['wh', [1, 128, 128, 4]]]);
    // Recorded by `npm run models -- --verify --update-manifest` against the TF.js original.
    expect(person?.verification).toMatchObject({ pass: true });
  });
});
