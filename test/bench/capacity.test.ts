/**
 * `npm run bench -- capacity` as an operator runs it, kept short by its own environment knobs: the agent's lever
 * (regions + stationary on one worker session per core), 2 cameras for 1 s per scene. The numbers are not asserted
 * (benchmarks are measured, not tested); the rows' shape and the refusals of bad input are.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const run = (env: Record<string, string>) =>
  spawnSync('npm', ['run', '--silent', 'bench', '--', 'capacity'], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });

describe('npm run bench -- capacity', () => {
  it('prints step and summary rows per scene for the chosen lever as JSON lines', () => {
    const r = run({ CAPACITY_LEVERS: 'regions+stationary-pool', CAPACITY_MAX_CAMERAS: '2', CAPACITY_STEP_S: '1' });
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((x) => [x.kind, x.scene])).toEqual([
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

  it('refuses a bad step length with the variable named, and an unknown scenario', () => {
    const bad = run({ CAPACITY_LEVERS: 'regions+stationary-pool', CAPACITY_STEP_S: '0' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/CAPACITY_STEP_S must be > 0/);
    const unknown = spawnSync('npm', ['run', '--silent', 'bench', '--', 'capacty'], { encoding: 'utf8', timeout: 60_000 });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown scenario\(s\): capacty; known: .*capacity/);
  }, 150_000);
});
