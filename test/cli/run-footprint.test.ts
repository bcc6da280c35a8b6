/**
 * What `qmon run` leaves on the machine outside its data dir: nothing. The agent runs (real process, the demo's
 * camera and models, the person detector in its worker threads) with a fresh, empty HOME and TMPDIR; afterwards both
 * are still empty and there is no /tmp/mat-debug-<pid>.log (onnxruntime's telemetry files; see agent/vision/ort-env.ts).
 * Under systemd the unit also gives it PrivateTmp= and HOME=/var/lib/qmon (the qmon user's home), so a stray write
 * could only land in the data dir or a private /tmp that goes with the service.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = new URL('../../', import.meta.url).pathname;
const root = mkdtempSync(join(tmpdir(), 'qmon-footprint-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every file and folder under `dir`, relative to it. */
function list(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).map((e) => relative(dir, join(e.parentPath, e.name))).sort();
}

describe('qmon run leaves nothing outside its data dir', () => {
  it('with a fresh HOME and TMPDIR: both stay empty, and no /tmp/mat-debug-<pid>.log appears', async () => {
    const home = mkdtempSync(join(root, 'home-'));
    const tmp = mkdtempSync(join(root, 'tmp-'));
    const data = join(root, 'data');
    const config = join(root, 'qmon.yaml');
    writeFileSync(
      config,
      readFileSync(join(REPO, 'config/demo.yaml'), 'utf8').replace(/^(\s*dir:).*$/m, `$1 ${data}`).replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0'),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'agent/cli.ts'), 'run', '--config', config, '--duration', '4', '--log-json'], {
      cwd: REPO,
      // TSX_DISABLE_CACHE: tsx (how the sources run here) would keep its compile cache in TMPDIR; the package runs
      // compiled JavaScript without it.
      env: { PATH: process.env.PATH, HOME: home, TMPDIR: tmp, QMON_LOG_LEVEL: 'warn', TSX_DISABLE_CACHE: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(err).toMatch(/--duration 4s reached/);
    expect(code, err).toBe(0);
    // The person detector ran (its worker's onnxruntime session is where the telemetry files came from).
    expect(Number(/camera walkway: \d+ frames(?: decoded)?, (\d+) inferences/.exec(err)?.[1] ?? 0), err).toBeGreaterThan(0);
    expect(list(home)).toEqual([]);
    // tsx's compile cache (tsx-<uid>/) exists only when the sources run through tsx: the picture worker's child process
    // gets a filtered environment without TSX_DISABLE_CACHE. The package runs compiled JavaScript, without tsx.
    expect(list(tmp).filter((f) => !/^tsx-\d+(\/|$)/.test(f))).toEqual([]);
    expect(existsSync(`/tmp/mat-debug-${child.pid}.log`)).toBe(false);
    // Where the agent does write: its data dir.
    expect(list(data)).toEqual(expect.arrayContaining(['qmon.db', 'hub.db']));
  }, 150_000);
});
