import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { Writable } from 'node:stream';
import { createServer as createHttpServer } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CameraConfig, HubConfig, LocalConfig } from '../../agent/config/index.js';
import { ffmpegCheck } from '../../agent/cli/doctor/ffmpeg.js';
import { modelChecks } from '../../agent/cli/doctor/models.js';
import { dataDirChecks } from '../../agent/cli/doctor/data-dir.js';
import { clockCheck, type CommandRunner } from '../../agent/cli/doctor/clock.js';
import { hubCheck } from '../../agent/cli/doctor/hub.js';
import { cameraChecks } from '../../agent/cli/doctor/cameras.js';
import { doctorCommand } from '../../agent/cli/doctor.js';
import { agentCheck, dashboardCheck } from '../../agent/cli/doctor/agent.js';
import { startRig, type Rig } from '../local/harness.js';
import { RtspTestServer } from '../support/rtsp-server.js';

const tmp = mkdtempSync(join(tmpdir(), 'qmon-doctor-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A port nothing listens on: bound, closed again. */
async function closedPort(): Promise<number> {
  const s: Server = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function camera(id: string, url: string): CameraConfig {
  return {
    id,
    enabled: true,
    source: { kind: 'rtsp', url, transport: 'tcp' },
    detect: { fps: 5, width: 320, height: 240 },
    size: [320, 240],
    health: { stall_s: 10, offline_after_s: 60, frozen_s: 120 },
    hwaccel: 'none',
    rules: {},
  } as unknown as CameraConfig; // only the fields doctor reads; rules are not its business
}

describe('doctor: ffmpeg', () => {
  it('fails with the apt command when ffmpeg is missing', async () => {
    const r = await ffmpegCheck(join(tmp, 'no-ffmpeg-here'));
    expect(r.result).toMatchObject({ check: 'ffmpeg', status: 'fail', fix: 'apt-get install ffmpeg' });
    expect(r.result.detail).toMatch(/not found/);
  });
  it('reports the installed version', async () => {
    const r = await ffmpegCheck();
    expect(r.result.status).toBe('ok');
    expect(r.result.detail).toMatch(/^version \d/);
  });
});

describe('doctor: models', () => {
  it('names the model whose checksum is wrong and does not try to load the set', async () => {
    const dir = join(tmp, 'models');
    mkdirSync(dir);
    copyFileSync('models/models.json', join(dir, 'models.json'));
    const manifest = JSON.parse(readFileSync('models/models.json', 'utf8')) as { models: { name: string; file: string }[] };
    for (const m of manifest.models) copyFileSync(join('models', m.file), join(dir, m.file));
    const victim = manifest.models[0]!;
    const bytes = readFileSync(join(dir, victim.file));
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    writeFileSync(join(dir, victim.file), bytes);
    const results = await modelChecks(dir, 0.5);
    const bad = results.find((r) => r.check === `model ${victim.name}`)!;
    expect(bad.status).toBe('fail');
    expect(bad.detail).toMatch(/does not match models\.json/);
    expect(bad.fix).toMatch(/reinstall/);
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(manifest.models.length - 1);
    expect(results.find((r) => r.check === 'models load')).toBeUndefined();
  });
  it('fails when there is no manifest', async () => {
    const results = await modelChecks(join(tmp, 'nowhere'), 0.5);
    expect(results).toEqual([expect.objectContaining({ check: 'models', status: 'fail' })]);
  });
});

describe('doctor: data dir', () => {
  it('a dir that does not exist yet is fine when the agent can create it at first start: its parent is checked', async () => {
    const missing = join(tmp, 'missing', 'deeper');
    const r = await dataDirChecks(missing, 1);
    expect(r[0]).toMatchObject({ check: 'data dir', status: 'ok', detail: `${missing} does not exist yet: the agent creates it at its first start (${tmp} is writable)` });
    expect(r.find((c) => c.check === 'free space')?.status).toBe('ok');
    // Under a parent nobody may write to (root included: /proc/1), it cannot be made: that fails, with the fix.
    const cannot = await dataDirChecks('/proc/1/qmon-data', 1);
    expect(cannot).toEqual([expect.objectContaining({ status: 'fail', detail: expect.stringMatching(/^\/proc\/1\/qmon-data does not exist, and uid \d+ cannot create it in \/proc\/1/) as unknown, fix: expect.stringContaining('install -d -o qmon -g qmon -m 0750 /proc/1/qmon-data') as unknown })]);
  });

  it('fails for an unwritable dir, one open to other users, and too little free space', async () => {
    // Root writes anywhere a mode allows nothing; /proc/1 refuses everyone.
    const unwritable = await dataDirChecks('/proc/1', 1);
    expect(unwritable.find((r) => r.check === 'data dir')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/is not writable/) as unknown });
    const open = join(tmp, 'open');
    mkdirSync(open);
    chmodSync(open, 0o755);
    const results = await dataDirChecks(open, 1e12);
    expect(results.find((r) => r.check === 'data dir')?.status).toBe('ok');
    expect(results.find((r) => r.check === 'data dir permissions')).toMatchObject({ status: 'fail', fix: `chmod 0750 ${open}` });
    expect(results.find((r) => r.check === 'free space')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/MB free/) as unknown });
    chmodSync(open, 0o750);
    expect((await dataDirChecks(open, 1)).every((r) => r.status === 'ok')).toBe(true);
  });
});

describe('doctor: clock', () => {
  const runner = (answers: Record<string, string | null>): CommandRunner => (cmd, args) => Promise.resolve(answers[`${cmd} ${args.join(' ')}`] ?? null);
  it('fails when not synchronised or far off, and says how far', async () => {
    expect(await clockCheck(runner({ 'timedatectl show -p NTPSynchronized --value': 'no\n' }))).toMatchObject({ status: 'fail', detail: 'not synchronised (offset unknown)' });
    const far = await clockCheck(runner({ 'timedatectl show -p NTPSynchronized --value': 'yes\n', 'timedatectl timesync-status': '  Offset: +3.5s\n' }));
    expect(far).toMatchObject({ status: 'fail', detail: 'synchronised but 3.5 s off' });
    const good = await clockCheck(runner({ 'timedatectl show -p NTPSynchronized --value': 'yes\n', 'timedatectl timesync-status': '  Offset: -812us\n' }));
    expect(good).toMatchObject({ status: 'ok', detail: 'synchronised, offset -0.8 ms' });
    expect(await clockCheck(runner({ 'chronyc -c tracking': 'A,B,C,D,0.000120,x\n' }))).toMatchObject({ status: 'ok', detail: 'chrony: offset 0.1 ms' });
    expect((await clockCheck(runner({}))).status).toBe('warn');
  });
});

describe('doctor: hub', () => {
  const hub = (over: Partial<HubConfig>): HubConfig =>
    ({ url: 'x', mode: 'mqtts', host: 'localhost', heartbeat_s: 30, replay_rate_per_s: 10, snapshot_upload: false, upload_port: 8443, tls: null, ...over });
  let server: ReturnType<typeof createTlsServer>;
  let port = 0;
  let ca = '';
  beforeAll(async () => {
    const d = join(tmp, 'pki');
    mkdirSync(d);
    const sh = (args: string[]): void => void execFileSync('openssl', args, { cwd: d, stdio: 'ignore' });
    sh(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=qmon-test-ca']);
    sh(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'hub.key', '-out', 'hub.csr', '-subj', '/CN=localhost']);
    // Expired yesterday: -days -1.
    sh(['x509', '-req', '-in', 'hub.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'hub.pem', '-days', '-1']);
    ca = readFileSync(join(d, 'ca.pem'), 'utf8');
    server = createTlsServer({ key: readFileSync(join(d, 'hub.key')), cert: readFileSync(join(d, 'hub.pem')) }, (s) => s.end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => server?.close());

  it('fails on an expired hub certificate and says when it expired', async () => {
    const r = await hubCheck(hub({ port, tls: { ca } }));
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/CERT_HAS_EXPIRED/);
    expect(r.detail).toMatch(/\(-\d+ day\(s\)\)/);
    expect(r.fix).toMatch(/renew/);
  });
  it('fails on a closed port, and warns about an embedded hub (the demo\'s: a box that reports to nobody is not ok)', async () => {
    const closed = await closedPort();
    expect(await hubCheck(hub({ port: closed, tls: { ca } }))).toMatchObject({ status: 'fail', detail: expect.stringMatching(/ECONNREFUSED/) as unknown });
    expect(await hubCheck(hub({ mode: 'mqtt', port: closed }))).toMatchObject({ status: 'fail' });
    expect(await hubCheck(hub({ mode: 'embedded' }))).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/^embedded is the demo's in-process hub: alerts .* reach no national hub/) as unknown,
      fix: expect.stringMatching(/hub\.url/) as unknown,
    });
  });
});

describe('doctor: cameras', () => {
  let rtsp: RtspTestServer;
  beforeAll(async () => {
    rtsp = await RtspTestServer.start({
      mounts: { '/secure': { kind: 'pattern', width: 320, height: 240, fps: 10 } },
      auth: { method: 'basic', user: 'admin', password: 'right-pass' },
    });
  });
  afterAll(async () => rtsp?.stop());

  it('reads one frame from a good camera; names a wrong password and a closed port with their fixes', async () => {
    const port = await closedPort();
    const [good, wrong, closed] = await cameraChecks([
      camera('good', rtsp.url('/secure', { user: 'admin', password: 'right-pass' })),
      camera('wrong', rtsp.url('/secure', { user: 'admin', password: 'wrong-pass' })),
      camera('closed', `rtsp://127.0.0.1:${port}/x`),
    ]);
    expect(good).toMatchObject({ check: 'camera good', status: 'ok', detail: expect.stringMatching(/one 320x240 frame read/) as unknown });
    expect(wrong).toMatchObject({ check: 'camera wrong', status: 'fail', fix: expect.stringMatching(/password/) as unknown });
    expect(wrong!.detail).not.toContain('wrong-pass');
    expect(closed).toMatchObject({ check: 'camera closed', status: 'fail', fix: expect.stringMatching(/address and RTSP port/) as unknown });
  }, 60_000);
});

describe('qmon doctor --json', () => {
  it('prints {version, ok, checks[]} and exits 1 when something fails', async () => {
    const chunks: string[] = [];
    const out = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(c.toString()), cb()) });
    const code = await doctorCommand(['--json', '--config', join(tmp, 'no-such.yaml'), '--environment-file', join(tmp, 'no.env')], out);
    const report = JSON.parse(chunks.join('')) as { version: string; ok: boolean; checks: { check: string; status: string; detail: string; fix?: string }[] };
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toMatchObject({ check: 'config', status: 'fail' });
    for (const c of report.checks) {
      expect(['ok', 'warn', 'fail']).toContain(c.status);
      if (c.status !== 'ok') expect(c.fix).toBeTruthy();
    }
    expect(report.checks.map((c) => c.check)).toEqual(expect.arrayContaining(['ffmpeg', 'clock']));
  }, 60_000);
});

describe('doctor: the running agent and the dashboard address', () => {
  let rig: Rig | undefined;
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });
  const local = (over: Partial<LocalConfig> = {}): LocalConfig => ({
    listen: '127.0.0.1:8080', host: '127.0.0.1', port: 8080, language: 'en', tls: 'off', public_hosts: [], session_idle_min: 30, session_max_h: 12,
    review_window_s: 120, shift_h: 12, escalate_after_min: 5, mute_max_min: 60, ...over,
  });

  it('not running: a warning that says what answers nothing and how to start it', async () => {
    const port = await closedPort();
    const r = await agentCheck(local({ listen: `127.0.0.1:${port}`, port }), 'test-01');
    expect(r).toMatchObject({ check: 'agent', status: 'warn', detail: `not running: nothing answers http://127.0.0.1:${port}/healthz (ECONNREFUSED)`, fix: expect.stringMatching(/^systemctl start qmon/) as unknown });
  });

  it('running and healthy: ok; with an offline camera: a warning naming it; another facility: a warning', async () => {
    rig = await startRig();
    const at = local({ listen: `127.0.0.1:${rig.port}`, port: rig.port });
    expect(await agentCheck(at, 'test-01')).toMatchObject({ status: 'ok', detail: `running (0.0.0-test), healthy (http://127.0.0.1:${rig.port}/healthz)` });
    rig.states.set('cam-1', { state: 'offline', reason: 'no frames for 20 s', since: 0, quality: 'unknown' });
    expect(await agentCheck(at, 'test-01')).toMatchObject({ status: 'warn', detail: 'running (0.0.0-test), with problems: camera cam-1 offline: no frames for 20 s' });
    expect(await agentCheck(at, 'other-02')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/is a qmon agent of facility test-01, not other-02/) as unknown });
  });

  it('asks the loopback listener when the dashboard is on a LAN address (127.0.0.2 standing in for one), and HTTPS dashboards too', async () => {
    rig = await startRig({ local: { host: '127.0.0.2', listen: '127.0.0.2:0', metrics_listen: { host: '127.0.0.1', port: 0 } } });
    const port = Number(new URL(rig.loopbackUrl!).port);
    expect(await agentCheck(local({ host: '127.0.0.2', listen: '127.0.0.2:0', port: rig.port, metrics_listen: { host: '127.0.0.1', port } }), 'test-01')).toMatchObject({ status: 'ok' });
    await rig.close();
    rig = await startRig({ local: { tls: 'generate' } });
    expect(await agentCheck(local({ listen: `127.0.0.1:${rig.port}`, port: rig.port, tls: 'generate' }), 'test-01')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining(`https://127.0.0.1:${rig.port}/healthz`) as unknown,
    });
  });

  it('something else on the port is not taken for the agent', async () => {
    const other = createHttpServer((_req, res) => res.end('<html>router login</html>'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const port = (other.address() as { port: number }).port;
    try {
      expect(await agentCheck(local({ listen: `127.0.0.1:${port}`, port }), 'test-01')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/answered 200, not as a qmon agent/) as unknown });
    } finally {
      await new Promise<void>((r) => other.close(() => r()));
    }
  });

  it('prints the dashboard URL the guards open: scheme, address, port; the public names; a wildcard as 127.0.0.1 or the first public name', () => {
    expect(dashboardCheck(local({ listen: '192.168.10.5:8443', host: '192.168.10.5', port: 8443, tls: 'generate', public_hosts: ['qmon-pc.local'] })).detail).toMatch(
      /^https:\/\/192\.168\.10\.5:8443\/; also by qmon-pc\.local /,
    );
    expect(dashboardCheck(local({ listen: '0.0.0.0:8443', host: '0.0.0.0', port: 8443, tls: 'generate', public_hosts: ['qmon-pc.local'] })).detail).toMatch(/^https:\/\/qmon-pc\.local:8443\//);
    expect(dashboardCheck(local()).detail).toMatch(/^http:\/\/127\.0\.0\.1:8080\//);
  });
});

