/** The `qmon` command as provincial IT staff run it: real process, real exit codes, no stack traces for mistakes. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'qmon-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function qmon(args: string[], timeoutMs = 60_000): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'agent/cli.ts'), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, QMON_LOG_LEVEL: 'warn' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The demo config, with its storage moved into this test's temp dir. */
function demoCopy(name: string, edit: (yaml: string) => string = (y) => y): string {
  const yaml = readFileSync(join(REPO, 'config/demo.yaml'), 'utf8').replace(/^(\s*dir:).*$/m, `$1 ${join(dir, name)}`);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, edit(yaml));
  return file;
}

const STACK = /^\s+at .+\(.+:\d+:\d+\)$/m;

describe('qmon check-config', () => {
  it('accepts the demo config, warning that its embedded hub reports to no national hub', () => {
    const r = qmon(['check-config', join(REPO, 'config/demo.yaml')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/demo\.yaml: ok \(1 camera, 1 warning\(s\)\)/);
    expect(r.err).toMatch(/^warning: .*demo\.yaml:\d+:\d+: hub\.url: embedded is the demo's in-process hub: alerts stay on this machine and reach no national hub/m);
  });

  it('names file, line, key path and the expected value for a typo, and exits 1 without a stack', () => {
    const file = demoCopy('typo', (y) => y.replace('direction: both', 'direktion: both'));
    const r = qmon(['check-config', file]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/typo\.yaml:\d+:\d+: cameras\[0\]\.rules\.lines\[0\]\.direktion: unknown key "direktion" \(did you mean "direction"\?/);
    expect(r.err).not.toMatch(STACK);
  });

  it('reads env: secrets from the service\'s environment file, as the service does (--environment-file)', () => {
    const file = demoCopy('secrets', (y) => y.replace('  language: en', '  language: en\n  metrics_token: env:QMON_TEST_METRICS_TOKEN'));
    const without = qmon(['check-config', file, '--environment-file', join(dir, 'no-such.env')]);
    expect(without.code).toBe(1);
    expect(without.err).toMatch(/local\.metrics_token: .*QMON_TEST_METRICS_TOKEN/);
    const envFile = join(dir, 'qmon.env');
    writeFileSync(envFile, '# secrets\nQMON_TEST_METRICS_TOKEN="s3cret-token"\n', { mode: 0o600 });
    const withFile = qmon(['check-config', file, '--environment-file', envFile]);
    expect(withFile.err).not.toContain('s3cret-token');
    expect(withFile.code, withFile.err).toBe(0);
  });

  it('answers a missing file plainly', () => {
    const r = qmon(['check-config', join(dir, 'nope.yaml')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nope\.yaml/);
    expect(r.err).not.toMatch(STACK);
  });
});

describe('qmon run', () => {
  it('refuses a bad config before starting anything, without a stack', () => {
    const file = demoCopy('badrun', (y) => y.replace(/fps: 5/, 'fps: 500'));
    const r = qmon(['run', '--config', file]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/detect\.fps/);
    expect(r.err).not.toMatch(STACK);
  });

  it('runs the demo for a bounded time, decodes frames, and stops cleanly on its own', () => {
    // The dashboard on a free port: 8080 may be taken by a running demo or a parallel test.
    const file = demoCopy('run', (y) => y.replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0'));
    // 12 s after the agent is up: on a loaded 2-core machine ffmpeg's first pictures can take several seconds.
    const r = qmon(['run', '--config', file, '--duration', '12', '--log-json'], 120_000);
    expect(r.err).toMatch(/--duration 12s reached/);
    const frames = Number(/camera walkway: (\d+) frames/.exec(r.err)?.[1] ?? 0);
    expect(frames).toBeGreaterThan(5);
    expect(r.code).toBe(0);
    // JSON log lines on stdout (journald), one object per line.
    const logLines = r.out.trim().split('\n').filter(Boolean);
    expect(logLines.length).toBeGreaterThan(0);
    for (const l of logLines) expect(() => JSON.parse(l) as unknown).not.toThrow();
  }, 150_000);

  it('rejects an unknown command and a bad --duration with usage errors', () => {
    expect(qmon(['frobnicate']).code).toBe(2);
    const r = qmon(['run', '--config', demoCopy('dur'), '--duration', 'soon']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--duration: expected a number of seconds/);
  });
});
