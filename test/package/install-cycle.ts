/**
 * Runs throwaway-root.sh (install → upgrade → upgrade with the unit disabled → remove → purge of a .deb in an overlay
 * of this machine's root, in a private mount namespace) and parses what it printed after each step.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = new URL('./throwaway-root.sh', import.meta.url).pathname;

export interface StepState {
  readonly rc: number;
  /** Every line the step's commands printed (dpkg, the maintainer scripts, qmon --version). */
  readonly out: readonly string[];
  /** `getent passwd qmon`, or `absent`. */
  readonly user: string;
  /** Path → `owner:group mode type`, or `absent`. */
  readonly stat: Readonly<Record<string, string>>;
  /** Symlink path → its target, or `absent`. */
  readonly link: Readonly<Record<string, string>>;
  /** dpkg's status of qmon (`install ok installed`, `deinstall ok config-files`), or `absent`. */
  readonly dpkg: string;
  readonly yamlLastLine: string;
  readonly envLastLine: string;
}

export interface InstallCycle {
  step(name: 'install' | 'upgrade' | 'upgrade-disabled' | 'remove' | 'purge'): StepState;
  /** Every file of the writable layer after the purge (paths from /). */
  readonly left: readonly string[];
}

/**
 * Why a throwaway root cannot be had on this machine (null: it can): it needs root (to mount an overlay of / in a
 * private mount namespace and chroot into it), dpkg, and a kernel that allows overlayfs on a tmpfs over the root fs.
 */
export function throwawayRootProblem(): string | null {
  if (process.getuid?.() !== 0) return 'needs root: it mounts an overlay of / in a private mount namespace and chroots into it';
  for (const tool of ['unshare', 'chroot', 'dpkg', 'deb-systemd-helper']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  if (spawnSync('dpkg-query', ['-W', 'qmon']).status === 0) return 'qmon is installed on this machine, and the throwaway root starts as a copy of it';
  const probe = mkdtempSync(join(tmpdir(), 'qmon-overlay-probe-'));
  try {
    const r = spawnSync(
      'unshare',
      ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs t "$1" && mkdir "$1/u" "$1/w" "$1/m" && mount -t overlay o -o "lowerdir=/,upperdir=$1/u,workdir=$1/w" "$1/m" && test -x "$1/m/usr/bin/dpkg"', '_', probe],
      { encoding: 'utf8', timeout: 20_000 },
    );
    return r.status === 0 ? null : `no overlay of / here (${(r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n')[0]})`;
  } finally {
    rmdirSync(probe);
  }
}

function parse(text: string): { steps: Map<string, StepState>; left: string[] } {
  const steps = new Map<string, StepState>();
  const left: string[] = [];
  for (const block of text.split(/^== /m).slice(1)) {
    const [name = '', ...lines] = block.split('\n');
    if (name === 'left') {
      for (const l of lines) if (l.startsWith('file ')) left.push(l.slice(5));
      continue;
    }
    const value = (key: string): string => lines.find((l) => l.startsWith(`${key} `))?.slice(key.length + 1) ?? '';
    const pairs = (key: string): Record<string, string> =>
      Object.fromEntries(lines.filter((l) => l.startsWith(`${key} `)).map((l) => l.slice(key.length + 1).split(/ (.*)/s).slice(0, 2) as [string, string]));
    steps.set(name.trim(), {
      rc: Number(value('rc')),
      out: lines.filter((l) => l.startsWith('out ')).map((l) => l.slice(4)),
      user: value('user'),
      stat: pairs('stat'),
      link: pairs('link'),
      dpkg: value('dpkg'),
      yamlLastLine: value('yaml-last-line').trim(),
      envLastLine: value('env-last-line').trim(),
    });
  }
  return { steps, left };
}

/** Runs the whole life cycle of `deb` (a few dpkg runs: about a minute); `tmp` holds the mount point, emptied after. */
export function installCycle(deb: string, tmp: string): InstallCycle {
  const dir = mkdtempSync(join(tmp, 'throwaway-root-'));
  let text: string;
  try {
    text = execFileSync('unshare', ['-m', '--propagation', 'private', 'bash', SCRIPT, deb, dir], { encoding: 'utf8', timeout: 5 * 60_000, maxBuffer: 16 << 20 });
  } finally {
    // The tmpfs on it went with the namespace; the empty mount point stays on this side.
    rmdirSync(dir);
  }
  const { steps, left } = parse(text);
  return {
    step: (name) => {
      const s = steps.get(name);
      if (!s) throw new Error(`throwaway-root.sh printed no step "${name}":\n${text.slice(-2000)}`);
      return s;
    },
    left,
  };
}
