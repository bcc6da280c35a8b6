/**
 * `npm run bench -- hub-ui` as an operator runs it, kept small by its own environment knobs (63 facilities, 2,000
 * events, 3 stream sessions for 2 s). The figures are not asserted (benchmarks are measured, not tested); the rows,
 * that every streamed event reached every session, and the refusal of bad input are.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { POSTGRES_MISSING, postgresBin } from '../support/postgres.js';

const run = (env: Record<string, string>) =>
  spawnSync('npm', ['run', '--silent', 'bench', '--', 'hub-ui'], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });

const pgReason = postgresBin() === null ? POSTGRES_MISSING : null;

describe('npm run bench -- hub-ui', () => {
  it('prints the data, each read with p50/p95, the EXPLAIN, the fan-out and RSS as JSON lines', (t) => {
    if (pgReason !== null) return t.skip();
    const r = run({ HUB_UI_FACILITIES: '63', HUB_UI_EVENTS: '2000', HUB_UI_REPEAT: '3', HUB_UI_SESSIONS: '3', HUB_UI_FANOUT_RATE: '10', HUB_UI_FANOUT_S: '2' });
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows[0]).toMatchObject({ scenario: 'hub-ui', kind: 'data', facilities: 63, events: 2000 });
    const reads = rows.filter((x) => x.kind === 'read');
    expect(reads).toHaveLength(9);
    for (const read of reads) {
      for (const k of ['p50_ms', 'p95_ms', 'max_ms', 'rows']) expect(typeof read[k], `${String(read.read)} ${k}`).toBe('number');
    }
    // The overview is every facility; the reports count every event once (whole days, from the per-day counts).
    expect(reads.find((x) => String(x.read).startsWith('overview'))?.rows).toBe(63);
    expect(rows.find((x) => x.kind === 'explain')?.plan).toEqual(expect.arrayContaining([expect.stringMatching(/fid_started_at_idx/)]));
    expect(rows.find((x) => x.kind === 'fan-out')).toMatchObject({ sessions: 3, events: 20, expected: 60, delivered: 60 });
    expect(rows.at(-1)).toMatchObject({ kind: 'rss' });
  }, 150_000);

  it('refuses a bad knob with the variable named, before it starts anything', () => {
    const bad = run({ HUB_UI_REPEAT: '1' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/HUB_UI_REPEAT must be an integer ≥ 3, got 1/);
    const fan = run({ HUB_UI_FANOUT_S: 'soon' });
    expect(fan.status).not.toBe(0);
    expect(fan.stderr).toMatch(/HUB_UI_FANOUT_S must be an integer ≥ 1, got soon/);
  }, 60_000);
});
