import { readFileSync } from 'node:fs';

// Read from package.json at runtime so the version in birth messages and --version never drifts from the release.
function readVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'qmon' && pkg.version) return pkg.version;
    } catch {
      // try the next location: agent/ under tsx, dist/agent/ when compiled
    }
  }
  return '0.0.0-unknown';
}

export const AGENT_VERSION = readVersion();
