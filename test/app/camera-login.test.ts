/**
 * The running agent with a password-protected RTSP camera (Digest): frames flow, and no process the agent started
 * has the camera password in its command line or environment (/proc/<pid>/cmdline, environ), which any local user
 * could read.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/app.js';
import { loadConfig, type AppConfig, type CameraConfig } from '../../agent/config/index.js';
import { silentLogger } from '../../agent/ops/index.js';
import { RtspTestServer } from '../support/rtsp-server.js';
import { waitFor } from '../decode/media.js';

const REPO = new URL('../../', import.meta.url).pathname;
const USER = 'operator';
const PASS = 'Gate-Cam-Secret-71';

/** Child processes of this process (ffmpeg), by /proc/<pid>/stat's parent field. */
function children(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('agent with a password-protected RTSP camera', () => {
  let dir: string;
  let server: RtspTestServer;
  let agent: Agent;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qmon-login-'));
    server = await RtspTestServer.start({
      mounts: { '/gate': { kind: 'pattern', width: 320, height: 240, fps: 10 } },
      auth: { method: 'digest', user: USER, password: PASS },
    });
    const demo = await loadConfig(join(REPO, 'config/demo.yaml'));
    const walkway = demo.cameras[0]!;
    const url = server.url('/gate', { user: USER, password: PASS });
    const cam: CameraConfig = {
      ...walkway,
      id: 'gate',
      source: { kind: 'rtsp', url, redactedUrl: server.url('/gate'), transport: 'tcp' },
      detect: { fps: 4, width: 320, height: 240, mode: 'full' },
      size: [320, 240],
      rules: { ...walkway.rules, lines: [] },
    };
    const config: AppConfig = { ...demo, storage: { ...demo.storage, dir }, local: { ...demo.local, port: 0 }, cameras: [cam] };
    agent = new Agent({ config, logger: silentLogger() });
    await agent.start();
  }, 90_000);

  afterAll(async () => {
    await agent?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams, and no child process shows the password in its arguments or environment', async () => {
    await waitFor(() => (agent.stats().cameras.gate?.frames ?? 0) > 3, 'frames from the protected camera', 60_000);
    const ffmpeg = children().filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('ffmpeg'));
    expect(ffmpeg.length).toBeGreaterThan(0);
    for (const pid of ffmpeg) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      expect(cmdline).toMatch(/rtsp:\/\/127\.0\.0\.1:\d+\/gate/);
      for (const text of [cmdline, environ]) {
        expect(text).not.toContain(PASS);
        expect(text).not.toContain(USER);
      }
    }
  }, 90_000);
});
