/**
 * `qmon probe` and `qmon discover` run in-process against simulators, with captured stdio: the
 * table, exit codes, user errors, the password prompt, --json, --write, and that the password
 * never shows up in anything printed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { discoverCommand } from '../../../agent/cli/discover.js';
import { probeCommand, type Io } from '../../../agent/cli/probe.js';
import { UserError } from '../../../agent/cli/user-error.js';
import { checkConfig } from '../../../agent/config/index.js';
import { OnvifSimulator, type SimulatorOptions } from './simulator.js';

const REPO = new URL('../../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'qmon-onvif-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sims: OnvifSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});
async function sim(opts: SimulatorOptions = {}): Promise<OnvifSimulator> {
  const s = await OnvifSimulator.start({ password: 'Sim-Secret-42', ...opts });
  sims.push(s);
  return s;
}

interface Captured extends Io {
  out(): string;
  err(): string;
}

function io(env: NodeJS.ProcessEnv = {}, tty = false): Captured {
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
  Object.assign(stdin, { isTTY: tty, setRawMode: () => stdin });
  let out = '';
  let err = '';
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  return { stdin, stdout, stderr, env, out: () => out, err: () => err };
}

const expectNoSecret = (c: Captured, secret = 'Sim-Secret-42'): void => {
  expect(c.out()).not.toContain(secret);
  expect(c.err()).not.toContain(secret);
};

describe('qmon probe', () => {
  it('prints the table with make/model/firmware, clock, both profiles and redacted stream URIs', async () => {
    const s = await sim({ clockOffsetMs: 3 * 3600_000 });
    const c = io({ SIM_PW: s.password });
    const code = await probeCommand([`127.0.0.1:${s.port}`, '--username', 'admin', '--password', 'env:SIM_PW'], c);
    expect(code).toBe(0);
    const lines = c.out().split('\n');
    expect(lines[0]).toMatch(/^ADDRESS +DEVICE +CLOCK +PROFILE +ROLE +CODEC +SIZE +FPS +STREAM URI$/);
    expect(lines[1]).toMatch(new RegExp(`^127\\.0\\.0\\.1:${s.port} +SimCam SC-2021 fw V5\\.5\\.0 +\\+(3h 00m 0[01]s|2h 59m 59s) +mainStream +main +H264 +1920x1080 +25 +rtsp://admin:\\*\\*\\*@127\\.0\\.0\\.1:8554/main$`));
    expect(lines[2]).toMatch(/^ +subStream +sub \(detect\) +H264 +640x360 +10 +rtsp:\/\/admin:\*\*\*@127\.0\.0\.1:8554\/sub$/);
    expect(c.out()).toMatch(/camera clock is \+(3h 00m 0[01]s|2h 59m 59s) off; turn NTP on in the camera/);
    expect(c.err()).toMatch(/probed 1\/1 127\.0\.0\.1:\d+: ok/);
    expectNoSecret(c);
  });

  it('exits 1 with the specific error for a wrong password (read from file:)', async () => {
    const s = await sim();
    const pwFile = join(dir, 'pw.txt');
    writeFileSync(pwFile, 'Not-The-Password\n');
    const c = io();
    expect(await probeCommand([`127.0.0.1:${s.port}`, '-u', 'admin', '--password', `file:${pwFile}`], c)).toBe(1);
    expect(c.out()).toMatch(/\(auth_failed\)\n\n- 127\.0\.0\.1:\d+ GetDeviceInformation: wrong username or password/);
    expectNoSecret(c, 'Not-The-Password');
  });

  it('--json gives the reports without secrets', async () => {
    const s = await sim({ username: 'admin', password: '12345' });
    const c = io({ QMON_ONVIF_PASSWORD: '12345' });
    expect(await probeCommand([`127.0.0.1:${s.port}`, '-u', 'admin', '--json'], c)).toBe(0);
    const reports = JSON.parse(c.out()) as { defaultPassword?: { username: string }; profiles: { token: string; redactedStreamUri: string }[] }[];
    expect(reports[0]?.profiles.map((p) => p.token)).toEqual(['Profile_1', 'Profile_2']);
    expect(reports[0]?.defaultPassword?.username).toBe('admin');
    expect(reports[0]?.profiles.map((p) => p.redactedStreamUri)).toEqual(['rtsp://admin:***@127.0.0.1:8554/main', 'rtsp://admin:***@127.0.0.1:8554/sub']);
    expectNoSecret(c, '12345');
  });

  it('asks for the password on a terminal without echoing it', async () => {
    const s = await sim();
    const c = io({}, true);
    setTimeout(() => (c.stdin as unknown as PassThrough).write(`${s.password}\r`), 20);
    expect(await probeCommand([`127.0.0.1:${s.port}`, '-u', 'admin'], c)).toBe(0);
    expect(c.err()).toContain('ONVIF password for admin: \n');
    expectNoSecret(c);
  });

  it('probes the onvif cameras of a config with their own credentials', async () => {
    const s = await sim();
    const file = join(dir, 'with-onvif.yaml');
    const demo = readFileSync(join(REPO, 'config/demo.yaml'), 'utf8').replace('../data/demo', join(dir, 'data'));
    writeFileSync(file, demo.replace(/source:\n\s+file: .*\n/, `source:\n      onvif: { address: 127.0.0.1, port: ${s.port}, username: admin, password: env:CAM_PW }\n`));
    const c = io();
    process.env.CAM_PW = s.password; // loadConfig reads the process environment
    try {
      expect(await probeCommand(['--config', file], c)).toBe(0);
    } finally {
      delete process.env.CAM_PW;
    }
    expect(c.out()).toMatch(/subStream +sub \(detect\)/);
  });

  it.each([
    [['127.0.0.1', '-u', 'admin', '--password', 'hunter2'], /takes env:NAME or file:PATH/],
    [['127.0.0.1', '-u', 'admin'], /no password for admin/],
    [['127.0.0.1', '--password', 'env:X'], /--password given without --username/],
    [['127.0.0.1', '-u', 'admin', '--password', 'env:UNSET_VAR_FOR_TEST'], /environment variable UNSET_VAR_FOR_TEST is not set/],
    [['http://127.0.0.1/'], /is not an address/],
    [['127.0.0.1', '--timeout', '0'], /--timeout: expected seconds/],
    [[], /usage: qmon probe/],
  ])('user mistake %j → UserError', async (argv, why) => {
    const err = await probeCommand(argv, io()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(why);
    expect((err as UserError).message).not.toContain('hunter2');
  });
});

describe('qmon discover', () => {
  it('finds simulators by unicast, probes them, and --write appends them to a config that still checks', async () => {
    const [a, b] = [await sim({ serial: 'AAA-1' }), await sim({ serial: 'BBB-2' })];
    const file = join(dir, 'facility.yaml');
    writeFileSync(file, readFileSync(join(REPO, 'config/demo.yaml'), 'utf8').replace('../data/demo', join(dir, 'data')));
    const c = io({ SIM_PW: a.password });
    const range = `127.0.0.1:${a.discoveryPort},127.0.0.1:${b.discoveryPort}`;
    const code = await discoverCommand(['--unicast-only', '--range', range, '--wait', '0.3', '-u', 'admin', '--password', 'env:SIM_PW', '--write', file], c);
    expect(code).toBe(0);
    expect(c.err()).toMatch(/discovering: .* found/);
    expect(c.err()).toMatch(/found 2 ONVIF device\(s\)/);
    expect(c.err()).toMatch(/added camera cam-aaa-1 \(127\.0\.0\.1:\d+, sub stream\) to .*; set QMON_CAM_CAM_AAA_1_PASSWORD/);
    expect(c.out().match(/sub \(detect\)/g)).toHaveLength(2);
    expectNoSecret(c);
    expect(readFileSync(file, 'utf8')).not.toContain(a.password);
    const env = { QMON_CAM_CAM_AAA_1_PASSWORD: a.password, QMON_CAM_CAM_BBB_2_PASSWORD: b.password };
    const check = await checkConfig(file, { env });
    expect(check.errors).toEqual([]);
    // Listed (and written) in address:port order, whichever simulator answered first.
    const expected = a.port < b.port ? ['cam-aaa-1', 'cam-bbb-2'] : ['cam-bbb-2', 'cam-aaa-1'];
    expect(check.config?.cameras.map((x) => x.id)).toEqual(['walkway', ...expected]);
  });

  it('without credentials lists the devices with their clock only', async () => {
    const s = await sim({ clockOffsetMs: -90_000 });
    const c = io();
    expect(await discoverCommand(['--unicast-only', '--range', `127.0.0.1:${s.discoveryPort}`, '--wait', '0.2'], c)).toBe(0);
    expect(c.out()).toMatch(new RegExp(`127\\.0\\.0\\.1:${s.port} +Sim Corridor +-1m (29|30|31)s`));
    expect(c.out()).toMatch(/only the clock was read/);
  });

  it('lists each device with the address it advertised and the one it answered from', async () => {
    const s = await sim();
    const c = io();
    expect(await discoverCommand(['--unicast-only', '--range', `127.0.0.1:${s.discoveryPort}`, '--wait', '0.2'], c)).toBe(0);
    expect(c.err()).toMatch(new RegExp(`127\\.0\\.0\\.1:${s.port}/\\S*: answered from 127\\.0\\.0\\.1, advertised http://`));
  });

  it('probes the advertised address first when the answer came from another one, says so, and --write writes it', async () => {
    // Answers from 127.0.0.1, serves ONVIF only on its advertised 127.0.0.2 (a multi-homed camera): probing where
    // the answer came from would call it unreachable.
    const s = await sim({ serial: 'MULTI-1', xaddrHost: '127.0.0.2', httpHost: '127.0.0.2' });
    const file = join(dir, 'multi.yaml');
    writeFileSync(file, readFileSync(join(REPO, 'config/demo.yaml'), 'utf8').replace('../data/demo', join(dir, 'data')));
    const c = io({ SIM_PW: s.password });
    const code = await discoverCommand(['--unicast-only', '--range', `127.0.0.1:${s.discoveryPort}`, '--wait', '0.3', '-u', 'admin', '--password', 'env:SIM_PW', '--write', file], c);
    expect(c.err()).toContain(`127.0.0.2:${s.port}/onvif/device_service, then 127.0.0.1:${s.port}/onvif/device_service: answered from 127.0.0.1`);
    expect(code, c.out() + c.err()).toBe(0);
    expect(c.err()).toMatch(new RegExp(`probed 1/1 127\\.0\\.0\\.2:${s.port}: ok`));
    expect(c.out()).toContain(`reached at its advertised address 127.0.0.2:${s.port} (its discovery answer came from 127.0.0.1)`);
    expect(c.err()).toMatch(/added camera cam-multi-1 \(127\.0\.0\.2:\d+, sub stream\)/);
    const written = await checkConfig(file, { env: { QMON_CAM_CAM_MULTI_1_PASSWORD: s.password } });
    expect(written.config?.cameras.find((x) => x.id === 'cam-multi-1')?.source).toMatchObject({ kind: 'onvif', address: '127.0.0.2', port: s.port });
    expectNoSecret(c);
  });

  it('falls back to the address the answer came from when the advertised one does not answer, and says so', async () => {
    // Advertises 127.0.0.3 (nothing there), serves ONVIF where its answer came from.
    const s = await sim({ xaddrHost: '127.0.0.3' });
    const c = io({ SIM_PW: s.password });
    expect(await discoverCommand(['--unicast-only', '--range', `127.0.0.1:${s.discoveryPort}`, '--wait', '0.3', '-u', 'admin', '--password', 'env:SIM_PW', '--json'], c)).toBe(0);
    const [report] = JSON.parse(c.out()) as { address: string; port: number; notes: string[]; error?: unknown }[];
    expect(report).toMatchObject({ address: '127.0.0.1', port: s.port });
    expect(report?.error).toBeUndefined();
    expect(report?.notes).toContain(`its advertised address 127.0.0.3:${s.port} did not answer (unreachable); reached at 127.0.0.1:${s.port}, where its discovery answer came from`);
  });

  it("explains that --range ADDRESS:PORT is the WS-Discovery port when a camera's web port was typed", async () => {
    const s = await sim();
    const c = io();
    expect(await discoverCommand(['--unicast-only', '--range', `127.0.0.1:${s.port}`, '--wait', '0.2'], c)).toBe(1);
    expect(c.err()).toContain(`no answer from 127.0.0.1 on UDP port ${s.port}: in --range, :PORT is the WS-Discovery port (3702), not the camera's web port`);
    expect(c.err()).toContain(`qmon probe 127.0.0.1:${s.port}`);
  });

  it('exits 1 with a hint when nothing answers', async () => {
    const s = await sim();
    const port = s.discoveryPort;
    await s.stop();
    sims.length = 0;
    const c = io();
    expect(await discoverCommand(['--unicast-only', '--range', `127.0.0.1:${port}`, '--wait', '0.2'], c)).toBe(1);
    expect(c.err()).toMatch(/found 0 ONVIF device\(s\)\nnothing answered: .*--range/);
  });

  it.each([
    [['--range', '10.0.0.0/8'], /--range: .*more than 4096 addresses/],
    [['--unicast-only'], /--unicast-only needs --range/],
    [['--interface', 'no-such-nic0', '--wait', '0.1'], /interface "no-such-nic0" not found/],
    [['192.168.1.1'], /unexpected argument/],
  ])('user mistake %j → UserError', async (argv, why) => {
    const err = await discoverCommand(argv, io()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(why);
  });
});
