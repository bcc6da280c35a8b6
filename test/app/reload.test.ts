/**
 * Config reload on a running agent (real ffmpeg, real detector, real store): a camera whose config did not change
 * keeps its ffmpeg and its frame counter running through the reload; a changed camera is restarted, a removed one
 * stopped, an added one started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/app.js';
import { diffConfig } from '../../agent/app/config-diff.js';
import { loadConfig, type AppConfig, type CameraConfig } from '../../agent/config/index.js';
import { silentLogger } from '../../agent/ops/index.js';
import { waitFor } from '../decode/media.js';

const REPO = new URL('../../', import.meta.url).pathname;
const START_WAIT_MS = 90_000;

describe('Agent.reload', () => {
  let dir: string;
  let agent: Agent;
  let base: AppConfig;
  const said: string[] = [];

  const frames = (id: string): number => agent.stats().cameras[id]?.frames ?? -1;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qmon-reload-'));
    const demo = await loadConfig(join(REPO, 'config/demo.yaml'));
    const walkway = demo.cameras[0]!;
    // Two cameras on the same looping clip, at a low detect rate to keep the detector cheap.
    const cam = (id: string): CameraConfig => ({ ...walkway, id, detect: { ...walkway.detect, fps: 4 }, rules: { ...walkway.rules, lines: [] } });
    base = { ...demo, storage: { ...demo.storage, dir }, local: { ...demo.local, port: 0 }, cameras: [cam('steady'), cam('edited')] };
    agent = new Agent({ config: base, logger: silentLogger(), say: (l) => said.push(l) });
    await agent.start();
    await waitFor(() => frames('steady') > 3 && frames('edited') > 3, 'both cameras delivering frames', START_WAIT_MS);
  }, START_WAIT_MS + 30_000);

  afterAll(async () => {
    await agent?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restarts only the changed camera; the unchanged one keeps counting frames with no restart and no gap', async () => {
    const [steady, edited] = base.cameras as [CameraConfig, CameraConfig];
    const next: AppConfig = { ...base, cameras: [steady, { ...edited, detect: { ...edited.detect, fps: 2 } }] };
    const restartsBefore = agent.stats().cameras.steady!.restarts;
    const editedBefore = frames('edited');
    // Sample the steady camera's counter while the reload runs: it never goes back and never stops for long.
    const samples: number[] = [frames('steady')];
    let lastChange = Date.now();
    let longestStill = 0;
    const sampler = setInterval(() => {
      const n = frames('steady');
      const now = Date.now();
      if (n !== samples.at(-1)) lastChange = now;
      longestStill = Math.max(longestStill, now - lastChange);
      samples.push(n);
    }, 50);
    const diff = await agent.reload(next);
    const editedRightAfter = frames('edited');
    const afterReload = frames('steady');
    await waitFor(() => frames('steady') >= afterReload + 4, 'the steady camera delivering frames after the reload', 30_000);
    clearInterval(sampler);
    samples.push(frames('steady'));

    expect(diff.unchanged).toEqual(['steady']);
    expect(diff.changed.map((c) => c.id)).toEqual(['edited']);
    expect(samples).toEqual([...samples].sort((a, b) => a - b));
    expect(samples.at(-1)!).toBeGreaterThan(samples[0]!);
    // 4 fps: a frame every 250 ms; 3 s without one would be a restart's gap (ffmpeg start + first frame).
    expect(longestStill).toBeLessThan(3_000);
    expect(agent.stats().cameras.steady!.restarts).toBe(restartsBefore);
    // The edited camera is a new supervisor and pipeline, but its counters carry on: one set per camera for the
    // agent's life, as Prometheus counters must (a reset would read as a restarted agent).
    expect(editedRightAfter).toBeGreaterThanOrEqual(editedBefore);
    await waitFor(() => frames('edited') > editedRightAfter, 'the restarted camera delivering frames', 30_000);
    expect(said.some((l) => /camera\s+edited stopping: its config changed/.test(l))).toBe(true);
    expect(said.some((l) => /camera\s+steady stopping/.test(l))).toBe(false);
    expect(said).toContain('config    reloaded: 1 camera(s) unchanged, 1 restarted, 0 added, 0 removed');
  }, 90_000);

  it('stops a removed camera and starts an added one; other sections are reported as needing a restart', async () => {
    const [steady, edited] = base.cameras as [CameraConfig, CameraConfig];
    const next: AppConfig = {
      ...base,
      facility: { ...base.facility, name: 'Renamed' },
      cameras: [steady, { ...edited, id: 'added' }],
    };
    const diff = await agent.reload(next);
    expect(diff).toMatchObject({ unchanged: ['steady'], removed: ['edited'], needRestart: ['facility'] });
    expect(diff.added.map((c) => c.id)).toEqual(['added']);
    expect(agent.stats().cameras).not.toHaveProperty('edited');
    await waitFor(() => frames('added') > 0, 'the added camera delivering frames', 30_000);
    expect(said.some((l) => l.startsWith('config    facility: changed; takes effect after a restart'))).toBe(true);
  }, 90_000);
});

describe('diffConfig', () => {
  it('tells a rules-only change from a source change, and counts a disabled camera as removed', async () => {
    const demo = await loadConfig(join(REPO, 'config/demo.yaml'));
    const cam = demo.cameras[0]!;
    const a: AppConfig = { ...demo, cameras: [cam, { ...cam, id: 'b' }, { ...cam, id: 'c' }] };
    const b: AppConfig = {
      ...demo,
      cameras: [{ ...cam, rules: { ...cam.rules, tamper: false } }, { ...cam, id: 'b', detect: { ...cam.detect, fps: 1 } }, { ...cam, id: 'c', enabled: false }],
    };
    const d = diffConfig(a, b);
    expect(d.changed.map((c) => c.id)).toEqual([cam.id, 'b']);
    expect(d.rulesOnly).toEqual([cam.id]);
    expect(d.removed).toEqual(['c']);
    expect(d.needRestart).toEqual([]);
    expect(diffConfig(a, a)).toMatchObject({ changed: [], added: [], removed: [], unchanged: [cam.id, 'b', 'c'] });
  });
});
