/** `kill -HUP` on a running `qmon run`: an invalid file is refused (file:line logged, old config kept), a valid one applied. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../decode/media.js';

const REPO = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'qmon-hup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('qmon run + SIGHUP', () => {
  it('refuses an invalid file with file:line and keeps running; applies a valid one camera by camera', async () => {
    const demo = readFileSync(join(REPO, 'config/demo.yaml'), 'utf8')
      .replace(/^(\s*dir:).*$/m, `$1 ${join(dir, 'data')}`)
      .replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0');
    const file = join(dir, 'qmon.yaml');
    writeFileSync(file, demo);
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'agent/cli.ts'), 'run', '--config', file, '--log-json'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let console_ = '';
    let log = '';
    child.stderr.on('data', (d: Buffer) => (console_ += d.toString()));
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => /camera\s+walkway online/.test(console_), 'the demo camera online', 90_000);

      writeFileSync(file, demo.replace('fps: 5', 'fps: 500'));
      child.kill('SIGHUP');
      await waitFor(() => console_.includes('config reload refused'), 'the refusal of the invalid file', 30_000);
      expect(console_).toMatch(new RegExp(`${file.replace(/[.]/g, '\\.')}:\\d+:\\d+: cameras\\[0\\]\\.detect\\.fps`));
      await waitFor(() => log.includes('config reload refused; the running config stays'), 'the refusal in the JSON log', 10_000);
      expect(child.exitCode).toBeNull();

      writeFileSync(file, demo.replace('tamper: true', 'tamper: false'));
      child.kill('SIGHUP');
      await waitFor(() => console_.includes('config    reloaded:'), 'the reload of the valid file', 30_000);
      expect(console_).toMatch(/camera\s+walkway stopping: its rules changed; restarting the camera to apply them/);
      expect(console_).toContain('config    reloaded: 0 camera(s) unchanged, 1 restarted, 0 added, 0 removed');
      await waitFor(() => (console_.match(/camera\s+walkway online/g) ?? []).length >= 2, 'the camera online again', 30_000);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 200_000);
});
