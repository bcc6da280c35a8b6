/**
 * The setup steps after the person model: the face detector (extracted from an npm tarball and made size-free), the
 * mask classifier (trained here by scripts/mask/train-mask.ts and committed; only checked), and the test
 * pictures that come from npm packages.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { BLAZEFACE_BYTES, BLAZEFACE_FILE, BLAZEFACE_MEMBER, BLAZEFACE_NAME, BLAZEFACE_SHA256, BLAZEFACE_SOURCE, blazefaceEntry } from './blazeface.js';
import { sizeFreeBlazeface } from './blazeface-size-free.js';
import { MASK_FILE, MASK_NAME } from './mask-classifier.js';
import { ensureTarball, extractFiles, type Log } from './npm-source.js';
import { FACE_API_DIR, FACE_API_SAMPLES } from './test-media.js';

export interface StepContext {
  readonly root: string;
  readonly modelsDir: string;
  readonly packCache: string;
  readonly log: Log;
}

interface Manifest {
  schema: 1;
  models: Record<string, unknown>[];
}

const sha256File = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * Derives the size-free BlazeFace (blazeface-size-free.ts) from the package's original unless models/ already holds
 * it with the pinned hash, and keeps its manifest entry current (a verification recorded for the same bytes is kept).
 */
export async function installBlazeface(ctx: StepContext, manifest: Manifest, writeManifest: (m: Manifest) => Promise<void>): Promise<void> {
  const out = join(ctx.modelsDir, BLAZEFACE_FILE);
  const rel = relative(ctx.root, out);
  if (existsSync(out) && sha256File(out) === BLAZEFACE_SHA256) {
    ctx.log(`${rel} is up to date (sha256 ${BLAZEFACE_SHA256})`);
  } else {
    const tarball = await ensureTarball(BLAZEFACE_SOURCE, ctx.packCache, ctx.log);
    const src = join(ctx.root, '.cache', 'models-src', 'blazeface');
    await extractFiles(BLAZEFACE_SOURCE, tarball, src);
    const { bytes } = sizeFreeBlazeface(readFileSync(join(src, BLAZEFACE_MEMBER)));
    const hash = createHash('sha256').update(bytes).digest('hex');
    if (hash !== BLAZEFACE_SHA256 || bytes.length !== BLAZEFACE_BYTES) {
      throw new Error(
        `deriving the size-free BlazeFace gave ${bytes.length} bytes with sha256 ${hash}, but scripts/models/blazeface.ts pins ` +
          `${BLAZEFACE_BYTES} bytes with ${BLAZEFACE_SHA256}. If the derivation change is intended, bump SIZE_FREE_VERSION, pin the ` +
          `new hash and size, and run \`npm run models -- --verify --update-manifest\`; ${rel} was not written.`,
      );
    }
    const tmp = `${out}.tmp-${process.pid}`;
    await writeFile(tmp, bytes);
    await rename(tmp, out);
    ctx.log(`wrote ${rel}: ${BLAZEFACE_SOURCE.spec}'s model made size-free`);
  }
  const i = manifest.models.findIndex((m) => m.name === BLAZEFACE_NAME);
  const recorded = i >= 0 ? manifest.models[i] : undefined;
  const entry = blazefaceEntry(recorded?.sha256 === BLAZEFACE_SHA256 ? recorded.verification : undefined);
  if (recorded && JSON.stringify(recorded) === JSON.stringify(entry)) return;
  if (i >= 0) manifest.models[i] = entry;
  else manifest.models.push(entry);
  await writeManifest(manifest);
  ctx.log(`recorded ${BLAZEFACE_NAME} in models/models.json`);
}

/**
 * The mask classifier is trained by scripts/mask/train-mask.ts and committed (CI does not retrain), so
 * setup only proves the committed file is the one the manifest describes.
 */
export function checkMaskClassifier(ctx: StepContext, manifest: Manifest): void {
  const entry = manifest.models.find((m) => m.name === MASK_NAME);
  const path = join(ctx.modelsDir, MASK_FILE);
  const rel = relative(ctx.root, path);
  if (!entry) throw new Error(`models/models.json has no "${MASK_NAME}" entry; restore it from git or retrain with \`npx tsx scripts/mask/train-mask.ts\``);
  if (!existsSync(path)) throw new Error(`${rel} is missing; it is committed to the repository (git checkout -- ${rel})`);
  const got = sha256File(path);
  if (got !== entry.sha256) {
    throw new Error(`${rel} has sha256 ${got}, models/models.json records ${String(entry.sha256)}; restore both from git or retrain`);
  }
  ctx.log(`${rel} matches models/models.json (sha256 ${got})`);
}

/** Test pictures from npm packages (not used by the agent): face-api's demo photos. */
export async function fetchTestMedia(ctx: StepContext): Promise<void> {
  const present = FACE_API_SAMPLES.files.every((f) => existsSync(join(FACE_API_DIR, f.path)) && sha256File(join(FACE_API_DIR, f.path)) === f.sha256);
  if (present) {
    ctx.log(`test media in ${relative(ctx.root, FACE_API_DIR)} is up to date`);
    return;
  }
  const tarball = await ensureTarball(FACE_API_SAMPLES, ctx.packCache, ctx.log);
  await extractFiles(FACE_API_SAMPLES, tarball, FACE_API_DIR);
  ctx.log(`extracted ${FACE_API_SAMPLES.files.length} test pictures from ${FACE_API_SAMPLES.spec} into ${relative(ctx.root, FACE_API_DIR)}`);
}
