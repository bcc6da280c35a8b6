/**
 * Knows which model files the agent may load and proves each one is the file the manifest
 * describes before it is used. Model files are built by the setup step (`npm run models`), never
 * downloaded at run time, so a missing or different file is an installation problem and the error
 * says how to fix it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatIssues, ModelManifestSchema, type ModelEntry, type ModelManifest } from './manifest.js';

export const MODELS_FIX = 'Run `npm run models` to (re)build the model files.';
export const MANIFEST_FILE = 'models.json';

export class ModelError extends Error {
  override name = 'ModelError';
}

export interface LoadedModel {
  readonly entry: ModelEntry;
  readonly path: string;
  /** The verified bytes; sessions are created from these, so what was hashed is what runs. */
  readonly bytes: Uint8Array;
}

export class ModelRegistry {
  private constructor(
    readonly modelsDir: string,
    private readonly manifest: ModelManifest,
  ) {}

  /** Reads and validates `<modelsDir>/models.json`. */
  static open(modelsDir: string = defaultModelsDir()): ModelRegistry {
    const dir = resolve(modelsDir);
    const file = join(dir, MANIFEST_FILE);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      throw new ModelError(`model manifest ${file} cannot be read; it is part of the repository (models/models.json)`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new ModelError(`model manifest ${file} is not valid JSON: ${(e as Error).message}`);
    }
    const parsed = ModelManifestSchema.safeParse(json);
    if (!parsed.success) throw new ModelError(`model manifest ${file} is invalid: ${formatIssues(parsed.error)}`);
    return new ModelRegistry(dir, parsed.data);
  }

  entries(): readonly ModelEntry[] {
    return this.manifest.models;
  }

  get(name: string): ModelEntry {
    const e = this.manifest.models.find((m) => m.name === name);
    if (!e) throw new ModelError(`no model named "${name}" in ${join(this.modelsDir, MANIFEST_FILE)} (known: ${this.names()})`);
    return e;
  }

  /** The first model with this role (`person`, …); the manifest order is the preference order. */
  forRole(role: string): ModelEntry {
    const e = this.manifest.models.find((m) => m.role === role);
    if (!e) throw new ModelError(`no model with role "${role}" in ${join(this.modelsDir, MANIFEST_FILE)} (known: ${this.names()})`);
    return e;
  }

  pathOf(entry: ModelEntry): string {
    return join(this.modelsDir, entry.file);
  }

  /** Reads the model file and checks size and sha256 against the manifest. */
  async load(name: string): Promise<LoadedModel> {
    const entry = this.get(name);
    const path = this.pathOf(entry);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `cannot be read (${(e as Error).message})`;
      throw new ModelError(`model "${name}": file ${path} ${why}. ${MODELS_FIX}`);
    }
    const actual = sha256(bytes);
    if (actual !== entry.sha256 || bytes.length !== entry.bytes) {
      throw new ModelError(
        `model "${name}": file ${path} does not match ${MANIFEST_FILE}: expected sha256 ${entry.sha256} (${entry.bytes} bytes), ` +
          `got sha256 ${actual} (${bytes.length} bytes). ${MODELS_FIX}`,
      );
    }
    return { entry, path, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  }

  private names(): string {
    return this.manifest.models.map((m) => m.name).join(', ') || 'none';
  }
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The repository's `models/` folder, found by walking up from this module so it works both from
 * the sources (agent/vision) and from the build (dist/agent/vision).
 */
export function defaultModelsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'models');
    if (existsSync(join(candidate, MANIFEST_FILE))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new ModelError(`cannot find models/${MANIFEST_FILE} above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The side S of a model whose manifest input is `[1,S,S,3]` NHWC; anything else is refused naming the model. */
export function squareNhwcInputSize(entry: ModelEntry): number {
  const [n, h, w, c] = entry.input.shape;
  if (entry.input.layout !== 'NHWC' || entry.input.shape.length !== 4 || n !== 1 || c !== 3 || h !== w || h === undefined) {
    throw new ModelError(`model "${entry.name}": expected a square [1,S,S,3] NHWC input, manifest says ${entry.input.layout} [${entry.input.shape.join(',')}]`);
  }
  return h;
}
