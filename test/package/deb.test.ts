/**
 * Builds the Debian package once (`npm run package`, into a temp dir) and checks it the way an installer meets it:
 * its control data and file list, lintian, and the unpacked tree running its own bundled Node.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const tmp = mkdtempSync(join(tmpdir(), 'qmon-deb-'));
const out = join(tmp, 'out');
const root = join(tmp, 'root');
const deb = join(out, `qmon_${VERSION}_amd64.deb`);
const BUILD_TIMEOUT_MS = 9 * 60_000;

beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'package'], { env: { ...process.env, QMON_DEB_OUT: out }, stdio: ['ignore', 'ignore', 'pipe'], timeout: BUILD_TIMEOUT_MS });
  mkdirSync(root);
  execFileSync('dpkg', ['-x', deb, root]);
}, BUILD_TIMEOUT_MS + 60_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The unpacked package's qmon, run with its own Node exactly as /usr/bin/qmon does (paths moved under `root`). */
function qmon(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(join(root, 'usr/lib/qmon/node/bin/node'), [join(root, 'usr/lib/qmon/dist/agent/cli.js'), ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    // The host's Node must not be what runs: no node on PATH at all.
    env: { PATH: '/usr/bin:/bin', HOME: tmp },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The demo config with its data dir moved to `dataDir` and the dashboard on a free port. */
function testConfig(name: string, dataDir: string): string {
  const file = join(tmp, `${name}.yaml`);
  const text = readFileSync('config/demo.yaml', 'utf8').replace(/dir: \.\.\/data\/demo/, `dir: ${dataDir}`).replace('listen: 127.0.0.1:8080', 'listen: 127.0.0.1:0');
  writeFileSync(file, text);
  return file;
}

describe('qmon Debian package', () => {
  it('declares its name, architecture, dependencies, conffile and maintainer scripts (dpkg-deb --info)', () => {
    const info = execFileSync('dpkg-deb', ['--info', deb], { encoding: 'utf8' });
    expect(info).toMatch(/^ Package: qmon$/m);
    expect(info).toMatch(new RegExp(`^ Version: ${VERSION.replace(/\./g, '\\.')}$`, 'm'));
    expect(info).toMatch(/^ Architecture: amd64$/m);
    expect(info).toMatch(/^ Depends: .*\bffmpeg\b.*\bsystemd\b/m);
    for (const f of ['postinst', 'prerm', 'postrm', 'conffiles']) expect(info).toContain(` ${f}`);
    expect(execFileSync('dpkg-deb', ['--ctrl-tarfile', deb]).length).toBeGreaterThan(0);
    expect(readFileSync(join(tmp, 'out/stage/root/DEBIAN/conffiles'), 'utf8').trim()).toBe('/etc/qmon/qmon.yaml');
    const installedKb = Number(/^ Installed-Size: (\d+)$/m.exec(info)?.[1]);
    // The source tree's node_modules is 775 MB; the package carries run-time files only.
    expect(installedKb).toBeGreaterThan(50_000);
    expect(installedKb).toBeLessThan(300_000);
  });

  it('carries the runtime, dist, production deps, models, unit, sysusers/tmpfiles and the command; nothing for development (dpkg-deb --contents)', () => {
    const contents = execFileSync('dpkg-deb', ['--contents', deb], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const paths = contents.split('\n').map((l) => l.replace(/^.* \.\//, '/').replace(/ -> .*$/, ''));
    for (const p of [
      '/usr/bin/qmon',
      '/usr/lib/qmon/node/bin/node',
      '/usr/lib/qmon/package.json',
      '/usr/lib/qmon/dist/agent/cli.js',
      '/usr/lib/qmon/dist/agent/local/ui/index.html',
      '/usr/lib/qmon/models/models.json',
      '/usr/lib/qmon/models/centernet.onnx',
      '/usr/lib/qmon/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
      '/usr/lib/qmon/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      '/usr/lib/systemd/system/qmon.service',
      '/usr/lib/sysusers.d/qmon.conf',
      '/usr/lib/tmpfiles.d/qmon.conf',
      '/etc/qmon/qmon.yaml',
      '/usr/share/doc/qmon/copyright',
    ]) {
      expect(paths, p).toContain(p);
    }
    const forbidden = [/\/node_modules\/(typescript|vitest|tsx|eslint|@tensorflow|playwright-core|onnx-proto)\//, /\/(darwin|win32)\//, /linux\/arm64/, /\.map$/, /providers_cuda/, /better-sqlite3\/deps\//];
    for (const re of forbidden) expect(paths.filter((p) => re.test(p)), String(re)).toEqual([]);
    expect(contents).toMatch(/^-rwxr-xr-x root\/root .* \.\/usr\/bin\/qmon$/m);
  });

  it('has no lintian errors (overrides explained in packaging/debian/lintian-overrides)', () => {
    const r = spawnSync('lintian', ['--no-tag-display-limit', deb], { encoding: 'utf8', timeout: 580_000 });
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('E:'));
    expect(errors).toEqual([]);
  }, 600_000);

  it('records the bundled Node version, and /usr/bin/qmon runs it, not the host Node', () => {
    expect(readFileSync(join(root, 'usr/lib/qmon/node/VERSION'), 'utf8').trim()).toBe(process.version);
    expect(readFileSync(join(root, 'usr/bin/qmon'), 'utf8')).toContain('exec /usr/lib/qmon/node/bin/node /usr/lib/qmon/dist/agent/cli.js "$@"');
    expect(statSync(join(root, 'usr/lib/qmon/node/bin/node')).mode & 0o111).toBeTruthy();
    for (const s of ['postinst', 'prerm', 'postrm']) execFileSync('sh', ['-n', join(tmp, 'out/stage/root/DEBIAN', s)]);
  });

  it('runs qmon --version and check-config with its own Node', () => {
    const v = qmon(['--version']);
    expect(v).toMatchObject({ status: 0, stdout: `${VERSION}\n` });
    // The shipped example is a template: its certificates and passwords do not exist yet, and check-config says so.
    const example = qmon(['check-config', join(root, 'etc/qmon/qmon.yaml')]);
    expect(example.status).toBe(1);
    expect(example.stderr).toMatch(/error\(s\); the agent will not start with this config/);
    const data = join(tmp, 'data-ok');
    const good = qmon(['check-config', testConfig('good', data)]);
    expect(good.stderr).toBe('');
    expect(good).toMatchObject({ status: 0, stdout: expect.stringMatching(/: ok \(1 camera\)/) as unknown });
  });

  it('runs qmon doctor --json with its own Node: models from /usr/lib/qmon/models, a failure gives exit 1', () => {
    const r = qmon(['doctor', '--json', '--environment-file', join(tmp, 'none.env'), '--config', testConfig('missing-data', join(tmp, 'no-such-dir'))]);
    const report = JSON.parse(r.stdout) as { version: string; ok: boolean; checks: { check: string; status: string; detail: string; fix?: string }[] };
    expect(report.version).toBe(VERSION);
    const byName = new Map(report.checks.map((c) => [c.check, c]));
    expect(byName.get('config')?.status).toBe('ok');
    expect(byName.get('ffmpeg')?.status).toBe('ok');
    expect(byName.get('models load')).toMatchObject({ status: 'ok', detail: expect.stringContaining(join(root, 'usr/lib/qmon/models')) as unknown });
    expect(byName.get('hub')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^embedded/) as unknown });
    expect(byName.get('camera walkway')?.status).toBe('ok');
    expect(byName.get('data dir')).toMatchObject({ status: 'fail', fix: expect.any(String) as unknown });
    expect(report.ok).toBe(false);
    expect(r.status).toBe(1);
  });
});
