/**
 * `npm run bench -- capacity` as an operator runs it, kept short by its own environment knobs: the agent's lever
 * (regions + stationary on one worker session per core, input side 320), 2 cameras for 1 s per scene; the agent as it
 * runs, 2 busy cameras for 15 s. The numbers are not asserted
 * (benchmarks are measured, not tested); the rows' shape and the refusals of bad input are.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const run = (env: Record<string, string>) =>
  spawnSync('npm', ['run', '--silent', 'bench', '--', 'capacity'], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });

describe('npm run bench -- capacity', () => {
  it('prints quality, step and summary rows per scene for the chosen lever as JSON lines', () => {
    const r = run({ CAPACITY_LEVERS: 'regions+stationary-pool', CAPACITY_MAX_CAMERAS: '2', CAPACITY_STEP_S: '1', CAPACITY_AGENT_SCENES: 'none' });
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => [x.kind, x.scene])).toEqual([
      ['quality', 'crossings'],
      ['quality', 'vtest-labelled'],
      ['quality', 'tree'],
      ['step', 'busy'],
      ['summary', 'busy'],
      ['step', 'quiet'],
      ['summary', 'quiet'],
    ]);
    for (const step of rows.filter((x) => x.kind === 'step')) {
      expect(step).toMatchObject({ scenario: 'capacity', lever: 'regions+stationary-pool', cameras: 2, seconds: 1, frames: 10, threads: 1 });
      for (const k of ['dropped_share', 'inferences_per_frame', 'regions_per_frame', 'gated_per_frame', 'cpu_pct_per_camera']) expect(typeof step[k], k).toBe('number');
    }
    expect(rows.find((x) => x.kind === 'summary')).toMatchObject({ tried_up_to: 2, max_cameras_under_1pct_dropped: expect.any(Number) as number });
  }, 150_000);

  it('runs the agent as it runs (qmon run, decoding, rules, pictures, dashboard) and prints its rows', () => {
    const r = run({ CAPACITY_LEVERS: 'none', CAPACITY_MAX_CAMERAS: '2', CAPACITY_AGENT_SCENES: 'busy', CAPACITY_AGENT_S: '15' });
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => [x.kind, x.lever, x.scene, x.cameras ?? null])).toEqual([
      ['agent-step', 'agent', 'busy', 2],
      ['summary', 'agent', 'busy', null],
    ]);
    const step = rows[0]!;
    expect(step).toMatchObject({ scenario: 'capacity', seconds: 15, host: { cpus: expect.any(Number) as number, cpu: expect.any(String) as string } });
    for (const k of ['frames_decoded', 'dropped_share', 'violations', 'agent_rss_mb_max', 'snapshot_worker_rss_mb_max', 'cpu_pct_per_camera', 'previews_served']) expect(typeof step[k], k).toBe('number');
    expect(step.frames_decoded).toBeGreaterThan(0);
    // Where the CPU went: the agent itself and its ffmpegs used some in 15 s of decoding and detecting.
    expect(step.cpu_pct_by).toEqual({ agent: expect.any(Number) as number, picture_worker: expect.any(Number) as number, ffmpeg: expect.any(Number) as number });
    const by = step.cpu_pct_by as Record<string, number>;
    expect(by.agent).toBeGreaterThan(0);
    expect(by.ffmpeg).toBeGreaterThan(0);
    expect(step.dropped_by).toEqual({ handoff: expect.any(Number) as number, scheduler: expect.any(Number) as number, budget: expect.any(Number) as number });
    expect(rows[1]).toMatchObject({ harness_max_cameras: null, agent_vs_harness: null, tried_up_to: 2 });
  }, 150_000);

  it('refuses a bad step length with the variable named, and an unknown scenario', () => {
    const bad = run({ CAPACITY_LEVERS: 'regions+stationary-pool', CAPACITY_STEP_S: '0' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/CAPACITY_STEP_S must be > 0/);
    const badScene = run({ CAPACITY_LEVERS: 'none', CAPACITY_AGENT_SCENES: 'crowded' });
    expect(badScene.status).not.toBe(0);
    expect(badScene.stderr).toMatch(/CAPACITY_AGENT_SCENES: unknown scene "crowded" \(busy, quiet or none\)/);
    const unknown = spawnSync('npm', ['run', '--silent', 'bench', '--', 'capacty'], { encoding: 'utf8', timeout: 60_000 });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown scenario\(s\): capacty; known: .*capacity/);
  }, 150_000);
});
