/**
 * Builds the Debian package once (`npm run package`, into a temp dir) and checks it the way an installer meets it:
 * its control data and file list, lintian, the unpacked tree running its own bundled Node, and the maintainer
 * scripts' whole life cycle (install, upgrade, remove, purge) in a throwaway root (install-cycle.ts).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCycle, throwawayRootProblem, type InstallCycle } from './install-cycle.js';

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const tmp = mkdtempSync(join(tmpdir(), 'qmon-deb-'));
const out = join(tmp, 'out');
const root = join(tmp, 'root');
const control = join(tmp, 'control');
const deb = join(out, `qmon_${VERSION}_amd64.deb`);
const BUILD_TIMEOUT_MS = 9 * 60_000;

beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'package'], { env: { ...process.env, QMON_DEB_OUT: out }, stdio: ['ignore', 'ignore', 'pipe'], timeout: BUILD_TIMEOUT_MS });
  mkdirSync(root);
  execFileSync('dpkg', ['-x', deb, root]);
  execFileSync('dpkg-deb', ['-e', deb, control]);
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
    expect(readFileSync(join(control, 'conffiles'), 'utf8').trim()).toBe('/etc/qmon/qmon.yaml');
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
      // The national deployable and the contract, beside the agent: `qmon hub ...` and `qmon sim` load them.
      '/usr/lib/qmon/dist/hub/index.js',
      '/usr/lib/qmon/dist/hub/sim/index.js',
      '/usr/lib/qmon/dist/hub/web/ui/index.html',
      '/usr/lib/qmon/dist/contract/index.js',
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
    for (const s of ['postinst', 'prerm', 'postrm']) execFileSync('sh', ['-n', join(control, s)]);
  });

  it('leaves only the .deb behind: the staged tree (175 MB, with a dist/ that lint would read) is removed', () => {
    expect(existsSync(join(out, 'stage'))).toBe(false);
    expect(readdirSync(out)).toEqual([`qmon_${VERSION}_amd64.deb`]);
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
    // The demo's embedded hub passes, with the one warning a facility box must not ignore.
    expect(good.stderr).toMatch(/^warning: \S+good\.yaml:\d+:\d+: hub\.url: embedded is the demo's in-process hub[^\n]*\n$/);
    expect(good).toMatchObject({ status: 0, stdout: expect.stringMatching(/: ok \(1 camera, 1 warning\(s\)\)/) as unknown });
  });

  it('runs qmon doctor --json with its own Node: models from /usr/lib/qmon/models, a failure gives exit 1', () => {
    // A data dir nobody may create (/proc/1 refuses even root): the failure. One that does not exist yet is fine.
    const r = qmon(['doctor', '--json', '--environment-file', join(tmp, 'none.env'), '--config', testConfig('missing-data', '/proc/1/qmon-data')]);
    const report = JSON.parse(r.stdout) as { version: string; ok: boolean; checks: { check: string; status: string; detail: string; fix?: string }[] };
    expect(report.version).toBe(VERSION);
    const byName = new Map(report.checks.map((c) => [c.check, c]));
    expect(byName.get('config')?.status).toBe('ok');
    expect(byName.get('ffmpeg')?.status).toBe('ok');
    expect(byName.get('models load')).toMatchObject({ status: 'ok', detail: expect.stringContaining(join(root, 'usr/lib/qmon/models')) as unknown });
    expect(byName.get('hub')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/^embedded is the demo's in-process hub/) as unknown });
    expect(byName.get('camera walkway')?.status).toBe('ok');
    expect(byName.get('dashboard')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^port 0 in local\.listen/) as unknown });
    expect(byName.get('agent')?.status).toBe('warn');
    expect(byName.get('data dir')).toMatchObject({ status: 'fail', fix: expect.stringContaining('install -d -o qmon -g qmon -m 0750 /proc/1/qmon-data') as unknown });
    expect(report.ok).toBe(false);
    expect(r.status).toBe(1);
  });
});

// The maintainer scripts as a technician meets them on a box where systemd is not PID 1 (a container, a chroot, an
// image being prepared): install, upgrade over itself (with the site's edits, then with the unit disabled), remove,
// purge; the state after each step. Needs root (overlayfs over / and chroot); skipped, with the reason, elsewhere.
const noRoot = throwawayRootProblem();
describe.skipIf(noRoot !== null)(`qmon Debian package installed in a throwaway root${noRoot ? ` (skipped: ${noRoot})` : ''}`, () => {
  let cycle: InstallCycle;
  beforeAll(() => {
    cycle = installCycle(deb, tmp);
  }, 6 * 60_000);

  it('install: the qmon user, /var/lib/qmon 0750, /etc/qmon root:qmon, the unit enabled for the next boot, and one line saying so', () => {
    const s = cycle.step('install');
    expect(s.rc, s.out.join('\n')).toBe(0);
    expect(s.user).toMatch(/^qmon:x:\d+:\d+:[^:]*:\/var\/lib\/qmon:\/usr\/sbin\/nologin$/);
    expect(s.stat).toMatchObject({
      '/var/lib/qmon': 'qmon:qmon 750 directory',
      '/etc/qmon': 'root:qmon 750 directory',
      '/etc/qmon/qmon.yaml': 'root:qmon 640 regular file',
      '/etc/qmon/qmon.env': 'root:qmon 640 regular file',
      '/usr/bin/qmon': 'root:root 755 regular file',
    });
    expect(s.link['/etc/systemd/system/multi-user.target.wants/qmon.service']).toMatch(/^(\/usr)?\/lib\/systemd\/system\/qmon\.service$/);
    expect(s.out).toContain(
      'qmon: installed; systemd is not running here (container, chroot or image): the service is enabled for the next boot, but will not start until /etc/qmon/qmon.yaml passes the check; not started now',
    );
    expect(s.out).toContain(VERSION); // qmon --version, run inside the root with the bundled Node
  });

  it('upgrade over itself: the edited conffile and the secrets are kept, the unit stays enabled', () => {
    const s = cycle.step('upgrade');
    expect(s.rc, s.out.join('\n')).toBe(0);
    expect(s.out.join('\n')).not.toMatch(/Configuration file/); // no dpkg question about qmon.yaml
    expect(s.yamlLastLine).toBe('# site edit');
    expect(s.envLastLine).toBe('CAM_A_PASSWORD=site-secret');
    expect(s.stat['/etc/qmon/qmon.env']).toBe('root:qmon 640 regular file');
    expect(s.link['/etc/systemd/system/multi-user.target.wants/qmon.service']).not.toBe('absent');
  });

  it('upgrade after an operator disabled the unit: it stays disabled, and the line says so', () => {
    const s = cycle.step('upgrade-disabled');
    expect(s.rc, s.out.join('\n')).toBe(0);
    expect(s.link['/etc/systemd/system/multi-user.target.wants/qmon.service']).toBe('absent');
    expect(s.out.some((l) => l.startsWith('qmon: installed; systemd is not running here, and the service is disabled'))).toBe(true);
  });

  it('remove: the program goes; config, secrets and data stay', () => {
    const s = cycle.step('remove');
    expect(s.rc, s.out.join('\n')).toBe(0);
    expect(s.stat).toMatchObject({ '/usr/bin/qmon': 'absent', '/usr/lib/qmon': 'absent', '/usr/lib/systemd/system/qmon.service': 'absent' });
    expect(s.stat).toMatchObject({ '/var/lib/qmon': 'qmon:qmon 750 directory', '/etc/qmon/qmon.yaml': 'root:qmon 640 regular file' });
    expect(s.envLastLine).toBe('CAM_A_PASSWORD=site-secret');
    expect(s.dpkg).toBe('deinstall ok config-files');
  });

  it('purge: nothing of qmon is left but its user (the whole writable layer is listed)', () => {
    const s = cycle.step('purge');
    expect(s.rc, s.out.join('\n')).toBe(0);
    expect(Object.values(s.stat).every((v) => v === 'absent')).toBe(true);
    expect(Object.values(s.link).every((v) => v === 'absent')).toBe(true);
    expect(s.dpkg).toBe('absent');
    expect(s.user).toMatch(/^qmon:x:/);
    // Every file the life cycle wrote and left: the user and group databases, dpkg's own records, and the test's
    // own .deb copy and policy-rc.d. No unit link, no state file, no /etc/qmon, no /var/lib/qmon.
    const allowed = /^\/(etc\/(\.pwd\.lock|(passwd|group|shadow|gshadow)-?)|var\/lib\/dpkg\/.*|var\/log\/(dpkg|alternatives)\.log|root\/qmon\.deb|usr\/sbin\/policy-rc\.d)$/;
    expect(cycle.left.filter((f) => !allowed.test(f))).toEqual([]);
  });
});

