/**
 * Secret values in the config may be written three ways:
 *   - `env:NAME`  the value of environment variable NAME (systemd `EnvironmentFile=` / `LoadCredential=`);
 *   - `file:PATH` the content of a file, trailing newlines removed (PATH relative to the config file);
 *   - anything else is the literal secret (allowed, but `checkConfig` warns: the file then needs the
 *     same protection as a password store).
 * A literal that itself starts with `env:` or `file:` cannot be written inline; put it in a file.
 * Errors name the key path and the reference, never the value.
 *
 * The hub's TLS files (`hub.ca`, `hub.cert`, `hub.key`) are different: they name files, so a plain
 * path, `file:PATH` (the same thing) or `env:NAME` (the PEM text itself, e.g. from systemd
 * credentials) are accepted and the PEM text is read at load time (resolve.ts).
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';

export type SecretRef =
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'literal' };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Classifies a config string; `env:`/`file:` with an unusable target is an error (message returned). */
export function parseSecretRef(value: string): SecretRef | { readonly error: string } {
  if (value.startsWith('env:')) {
    const name = value.slice(4);
    return ENV_NAME.test(name) ? { kind: 'env', name } : { error: `expected env:NAME with NAME like CAM_A_PASSWORD, got "env:${name.slice(0, 40)}"` };
  }
  if (value.startsWith('file:')) {
    const path = value.slice(5);
    return path.trim() === '' ? { error: 'expected file:PATH, got "file:" with no path' } : { kind: 'file', path };
  }
  return { kind: 'literal' };
}

export interface SecretContext {
  readonly env: NodeJS.ProcessEnv;
  /** Folder of the config file; relative `file:` paths are read from there. */
  readonly baseDir: string;
}

export type SecretResult = { readonly ok: true; readonly value: string; readonly ref: SecretRef } | { readonly ok: false; readonly error: string };

function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (the agent runs as user qmon)';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return code ?? 'cannot read it';
  }
}

/** Absolute path of a config-relative path. */
export function resolvePath(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

/** Reads a file, turning failures into a plain reason ("no such file"). */
export async function readTextFile(path: string): Promise<{ ok: true; text: string } | { ok: false; reason: string }> {
  try {
    return { ok: true, text: await readFile(path, 'utf8') };
  } catch (err) {
    return { ok: false, reason: describeFsError(err) };
  }
}

/** The secret's value. Trailing CR/LF are removed from file content (editors add one); spaces are kept. */
export async function resolveSecret(value: string, ctx: SecretContext): Promise<SecretResult> {
  const ref = parseSecretRef(value);
  if ('error' in ref) return { ok: false, error: ref.error };
  if (ref.kind === 'literal') return { ok: true, value, ref };
  if (ref.kind === 'env') {
    const v = ctx.env[ref.name];
    if (v === undefined) return { ok: false, error: `environment variable ${ref.name} is not set (from env:${ref.name})` };
    if (v === '') return { ok: false, error: `environment variable ${ref.name} is empty (from env:${ref.name})` };
    return { ok: true, value: v, ref };
  }
  const path = resolvePath(ctx.baseDir, ref.path);
  const read = await readTextFile(path);
  if (!read.ok) return { ok: false, error: `cannot read ${path} (from file:${ref.path}): ${read.reason}` };
  const text = read.text.replace(/[\r\n]+$/, '');
  if (text === '') return { ok: false, error: `${path} is empty (from file:${ref.path})` };
  return { ok: true, value: text, ref };
}
