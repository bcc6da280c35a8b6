import { readFile } from 'node:fs/promises';

/** The service's EnvironmentFile (systemd/qmon.service): the secrets `env:NAME` in the config refers to. */
export const DEFAULT_ENV_FILE = '/etc/qmon/qmon.env';

/**
 * Reads a systemd EnvironmentFile (KEY=VALUE lines, # comments, optional quotes) so doctor resolves `env:` secrets
 * as the service does. Missing file: empty (the unit's `EnvironmentFile=-` is optional too).
 */
export async function readEnvFile(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2]!;
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0])) v = v.slice(1, -1);
    out[m[1]!] = v;
  }
  return out;
}

/**
 * The environment a command resolves the config's `env:` secrets in, as the service does: the EnvironmentFile under
 * the process environment (which wins, as systemd's Environment= does). A file this user may not read is only
 * reported through `warn` (under systemd the secrets arrive in the environment already); a missing one is empty.
 */
export async function serviceEnv(file: string, command: string, warn: (line: string) => void): Promise<NodeJS.ProcessEnv> {
  try {
    return { ...(await readEnvFile(file)), ...process.env };
  } catch (e) {
    warn(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}): env: secrets only from the environment; run as root or the qmon user (runuser -u qmon -- qmon ${command} …)`);
    return process.env;
  }
}

