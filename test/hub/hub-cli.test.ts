// `qmon hub run | status` and the hub's JSON endpoint, with a real agent (SQLite + Uplink) publishing through the
// embedded broker the service starts, and the hub's own SQLite file read back by `status`.
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../agent/ops/index.js';
import { hubCommand, startHubService, type HubService } from '../../agent/cli/hub.js';
import { UserError } from '../../agent/cli/user-error.js';
import { parseHostPort } from '../../hub/index.js';
import { tempDir, violation } from '../store/fixtures.js';
import { makeCa } from '../uplink/certs.js';
import { FID, makeAgent, waitFor } from '../uplink/harness.js';

let tmp: { dir: string; cleanup: () => void };
let service: HubService | null;
let agent: ReturnType<typeof makeAgent> | null;

beforeEach(() => {
  tmp = tempDir('hub-cli');
  service = null;
  agent = null;
});

afterEach(async () => {
  await agent?.close();
  await service?.stop();
  vi.restoreAllMocks();
  tmp.cleanup();
});

/** Runs hubCommand and returns its exit code and what it wrote to stdout. */
async function run(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  });
  try {
    return { code: await hubCommand(argv), out };
  } finally {
    spy.mockRestore();
  }
}

async function get(url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('hub service: embedded broker, reference hub, JSON endpoint', () => {
  it('shows facilities, cameras and recent events over HTTP and from its database', async () => {
    const db = join(tmp.dir, 'hub.db');
    const lines: string[] = [];
    service = await startHubService({ broker: null, embeddedPort: 0, db, http: { host: '127.0.0.1', port: 0 }, facilities: [FID], logger: silentLogger(), say: (l) => lines.push(l) });
    await service.connected;
    agent = makeAgent(service.brokerUrl);
    agent.uplink.setCameraStatus('corridor-a', { state: 'online', since: Date.UTC(2026, 0, 1) });
    const up = new Promise<void>((r) => agent!.uplink.once('connected', () => r()));
    agent.uplink.start();
    await up;
    const vs = [1, 2, 3].map((i) => violation(i));
    for (const v of vs) agent.recorder.record(v);
    await waitFor(() => expect(agent!.store.stats().acked).toBe(3));
    await waitFor(async () => expect((await service!.hub.summaries())[0]?.last_heartbeat_at).not.toBeNull());
    expect(lines.some((l) => /^event bg-0137 seq 3 line_cross new rev 1 camera corridor-a$/.test(l))).toBe(true);

    const http = service.httpUrl!;
    const token = await service.access!.addToken('ops', 'national', null, Date.now());
    const auth = { headers: { authorization: `Bearer ${token}` } };
    expect((await get(`${http}/facilities`)).status).toBe(401); // every route needs a token
    const facilities = await get(`${http}/facilities`, auth);
    expect(facilities.status).toBe(200);
    expect(facilities.body.facilities).toEqual([
      expect.objectContaining({
        fid: FID,
        status: 'online',
        agent_version: '0.1.0',
        heartbeat_stale: false,
        cameras: [{ id: 'corridor-a', state: 'online', reason: null, since: '2026-01-01T00:00:00.000Z' }],
        events: 3,
        deliveries: 3,
        max_seq: 3,
        missing_seqs: 0,
      }),
    ]);
    const events = await get(`${http}/events?fid=${FID}&limit=2`, auth);
    expect(events.status).toBe(200);
    expect((events.body.events as { seq: number; event_id: string }[]).map((e) => e.seq)).toEqual([3, 2]);
    expect((await get(`${http}/events?fid=other-01`, auth)).body).toEqual({ events: [] });
    expect(await get(`${http}/events?fid=BAD_FID`, auth)).toMatchObject({ status: 400, body: { error: expect.stringMatching(/fid must match/) as unknown } });
    expect(await get(`${http}/events?limit=0`, auth)).toMatchObject({ status: 400, body: { error: expect.stringMatching(/limit/) as unknown } });
    expect(await get(`${http}/events?limit=abc`, auth)).toMatchObject({ status: 400 });
    expect(await get(`${http}/admin`, auth)).toMatchObject({ status: 404 });
    expect(await get(`${http}/facilities`, { method: 'POST', ...auth })).toMatchObject({ status: 405 });

    // `status` reads the same file while the hub runs (WAL: a reader does not block the writer).
    const table = await run(['status', '--db', db]);
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^FACILITY\s+STATUS\s+SESSION\s+HEARTBEAT/m);
    expect(table.out).toMatch(new RegExp(`^${FID}\\s+online\\s+\\d+\\s+\\d+ s ago\\s+1/1\\s+0\\s+3\\s+3\\s+0$`, 'm'));
    expect(table.out).toMatch(/Recent events \(newest first, 3\):/);
    for (const v of vs) expect(table.out).toContain(v.eventId);
    await expect(hubCommand(['status', '--http', http])).rejects.toThrow(/wants an API token: set QMON_HUB_TOKEN or give --token-file/);
    const tokenFile = join(tmp.dir, 'token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const viaHttp = await run(['status', '--http', http, '--json', '--limit', '1', '--token-file', tokenFile]);
    const json = JSON.parse(viaHttp.out) as { facilities: unknown[]; events: { seq: number }[] };
    expect(json.facilities).toHaveLength(1);
    expect(json.events.map((e) => e.seq)).toEqual([3]);
  });

  it('runs the snapshot upload service over HTTPS when asked to, and says where', async () => {
    const ca = makeCa(tmp.dir, 'cli-ca');
    const leaf = ca.issue('cli-upload', 'IP:127.0.0.1');
    const r = await run([
      'run', '--embedded', '--port', '0', '--db', join(tmp.dir, 'hub.db'), '--snapshots', join(tmp.dir, 'shots'),
      '--upload-listen', '127.0.0.1:0', '--upload-cert', leaf.cert, '--upload-key', leaf.key, '--duration', '0.3',
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/hub: snapshot upload service https:\/\/127\.0\.0\.1:\d+ \(agents are given https:\/\/127\.0\.0\.1:\d+\)/);
  });

  it('keeps its database and snapshots private whatever the umask: folders made 0700, the files 0600 (issue 21 item 6)', async () => {
    const dir = join(tmp.dir, 'private', 'hub'); // does not exist yet: made, like the agent's data dir
    const shots = join(tmp.dir, 'open-shots');
    mkdirSync(shots, { mode: 0o755 });
    chmodSync(shots, 0o755); // left readable by an older version
    writeFileSync(join(shots, 'old.jpg'), 'x', { mode: 0o644 });
    const before = process.umask(0o022);
    try {
      service = await startHubService({ broker: null, embeddedPort: 0, db: join(dir, 'hub.db'), http: { host: '127.0.0.1', port: 0 }, snapshotDir: shots, facilities: [FID], logger: silentLogger() });
      await service.connected;
    } finally {
      process.umask(before);
    }
    const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
    expect(mode(dir)).toBe('700');
    expect(mode(shots)).toBe('700');
    expect(mode(join(shots, 'old.jpg'))).toBe('600');
    // While it runs: the database, its WAL and shared memory (events, access log, registry), none readable by others.
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['hub.db', 'hub.db-shm', 'hub.db-wal']);
    expect(files.map((f) => `${f} ${mode(join(dir, f))}`)).toEqual(files.map((f) => `${f} 600`));
  });

  it('runs from the command line until --duration, and says what it did', async () => {
    const db = join(tmp.dir, 'hub.db');
    const r = await run(['run', '--embedded', '--port', '0', '--db', db, '--http', '127.0.0.1:0', '--snapshots', join(tmp.dir, 'shots'), '--duration', '0.3']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/hub: embedded MQTT broker \(3\.1\.1\) at mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(r.out).toMatch(/hub: HTTP http:\/\/127\.0\.0\.1:\d+ \(GET \/facilities/);
    expect(r.out).toMatch(/hub: 0 events received, 0 duplicates, 0 invalid, 0 seqs acked, 0 snapshots kept/);
    expect((await run(['status', '--db', db])).out).toMatch(/No facility has reported to this hub yet\.\n\nNo events yet\./);
  });
});

describe('qmon hub: user mistakes get one clear line', () => {
  it.each([
    [['run'], /exactly one of --broker URL or --embedded/],
    [['run', '--broker', 'mqtt://x:1', '--embedded'], /exactly one of/],
    [['run', '--broker', 'http://hub:1883'], /--broker must be an mqtt:\/\/ or mqtts:\/\/ URL/],
    [['run', '--embedded', '--port', '70000'], /--port: expected 0\.\.65535/],
    [['run', '--broker', 'mqtt://x:1', '--port', '1'], /--port only goes with --embedded/],
    [['run', '--embedded', '--http', 'localhost'], /--http: expected HOST:PORT/],
    [['run', '--embedded', '--duration', '-1'], /--duration/],
    [['run', '--embedded', '--colour'], /Unknown option '--colour'/],
    [['run', '--broker', 'mqtts://hub:s3cret@broker:8883'], /--broker: a password in the URL is visible to every user \(ps\); connect with the hub's client certificate/],
    [['run', '--broker', 'mqtt://broker:1883', '--cert', 'c', '--key', 'k'], /--ca, --cert and --key are for a TLS broker: give --broker mqtts:/],
    [['run', '--embedded', '--ca', 'ca.pem'], /--ca, --cert and --key are for a TLS broker/],
    [['run', '--broker', 'mqtts://broker:8883', '--cert', 'c'], /--cert and --key go together/],
    [['run', '--broker', 'mqtts://broker:8883', '--ca', '/nonexistent/ca.pem'], /--ca: cannot read \/nonexistent\/ca\.pem \(ENOENT\)/],
    [['status'], /exactly one of --db FILE or --http URL/],
    [['status', '--db', 'x', '--limit', '0'], /--limit: expected 1\.\.1000/],
    [['status', '--http', 'ftp://hub'], /--http must be an http:\/\/ URL/],
    [['launch'], /unknown hub subcommand "launch"/],
    [['run', '--embedded', '--upload-listen', '127.0.0.1:0'], /--upload-listen, --upload-cert and --upload-key go together/],
    [['run', '--embedded', '--upload-listen', '127.0.0.1:0', '--upload-cert', 'c', '--upload-key', 'k'], /needs --snapshots DIR/],
    [['run', '--embedded', '--snapshots', 's', '--upload-listen', 'x', '--upload-cert', 'c', '--upload-key', 'k'], /--upload-listen: expected HOST:PORT/],
    [['run', '--embedded', '--snapshots', 's', '--upload-listen', '127.0.0.1:0', '--upload-cert', '/nonexistent/c.pem', '--upload-key', 'k'], /--upload-cert: cannot read \/nonexistent\/c\.pem \(ENOENT\)/],
    [['run', '--embedded', '--snapshots', 's', '--upload-listen', '127.0.0.1:0', '--upload-cert', 'c', '--upload-key', 'k', '--upload-url', 'http://hub'], /--upload-url: expected https:\/\//],
  ])('%j', async (argv, message) => {
    await expect(hubCommand(argv)).rejects.toThrow(UserError);
    await expect(hubCommand(argv)).rejects.toThrow(message);
  });

  it('names a missing or foreign database file, and an unreachable hub', async () => {
    await expect(hubCommand(['status', '--db', join(tmp.dir, 'nope.db')])).rejects.toThrow(/cannot read the hub database: .*nope\.db does not exist/);
    const foreign = join(tmp.dir, 'other.db');
    const raw = new Database(foreign);
    raw.exec('CREATE TABLE t (x)');
    raw.close();
    await expect(hubCommand(['status', '--db', foreign])).rejects.toThrow(/is not a qmon hub database/);
    writeFileSync(join(tmp.dir, 'text.db'), 'hello');
    await expect(hubCommand(['status', '--db', join(tmp.dir, 'text.db')])).rejects.toThrow(UserError);
    await expect(hubCommand(['status', '--http', 'http://127.0.0.1:1'])).rejects.toThrow(/cannot reach the hub at http:\/\/127\.0\.0\.1:1/);
    // A file where its folder should be: named, no stack trace.
    await expect(hubCommand(['run', '--embedded', '--port', '0', '--db', join(tmp.dir, 'text.db', 'hub.db')])).rejects.toThrow(
      /cannot open the hub database .*text\.db\/hub\.db: unable to open database file/,
    );
  });

  it('prints usage for no subcommand (exit 2) and for --help (exit 0)', async () => {
    expect(await run([])).toMatchObject({ code: 2, out: expect.stringMatching(/^Usage:\n {2}qmon hub run/) as unknown });
    expect((await run(['--help'])).code).toBe(0);
  });

  it('manages the facility registry: add, list (text and JSON), remove, each with --help', async () => {
    const db = join(tmp.dir, 'reg.db');
    for (const verb of ['add', 'list', 'remove']) {
      expect(await run(['facility', verb, '--help'])).toMatchObject({ code: 0, out: expect.stringMatching(/qmon hub facility add FID/) as unknown });
    }
    expect((await run(['facility', '--help'])).code).toBe(0);
    await expect(hubCommand(['facility', 'list', '--db', db])).rejects.toThrow(/hub database .*reg\.db does not exist/);
    expect(await run(['facility', 'add', 'bg-0137', '--name', 'Bac Giang 137', '--db', db])).toEqual({
      code: 0,
      out: 'registered bg-0137 without a key (unsigned messages are refused unless the hub runs --allow-unsigned)\n',
    });
    expect((await run(['facility', 'add', 'bg-0137', '--db', db])).out).toBe('bg-0137 was already registered (use hub facility key to change its key)\n');
    expect((await run(['facility', 'add', 'hn-0001', '--db', db])).code).toBe(0);
    expect((await run(['facility', 'list', '--db', db])).out).toMatch(/^bg-0137\tenabled\t\S+\tkey none\tBac Giang 137\nhn-0001\tenabled\t\S+\tkey none\t\n$/);
    const listed = JSON.parse((await run(['facility', 'list', '--db', db, '--json'])).out) as { facilities: { fid: string; name: string | null; disabled: boolean; publicKey: null }[] };
    expect(listed.facilities.map((f) => [f.fid, f.name, f.disabled, f.publicKey])).toEqual([
      ['bg-0137', 'Bac Giang 137', false, null],
      ['hn-0001', null, false, null],
    ]);
    expect((await run(['facility', 'remove', 'hn-0001', '--db', db])).out).toMatch(/removed hn-0001/);
    await expect(hubCommand(['facility', 'remove', 'hn-0001', '--db', db])).rejects.toThrow(/hn-0001 is not registered/);
    await expect(hubCommand(['facility', 'add', 'Not A Fid', '--db', db])).rejects.toThrow(/facility id "Not A Fid" must match/);
    await expect(hubCommand(['facility', 'add', 'hub', '--db', db])).rejects.toThrow(/reserved/);
    await expect(hubCommand(['facility', 'add', '--db', db])).rejects.toThrow(/exactly one FID/);
    await expect(hubCommand(['facility', 'add', 'x-001'])).rejects.toThrow(/--db FILE is required/);
    await expect(hubCommand(['facility', 'list', '--db', db, '--name', 'x'])).rejects.toThrow(/--name only goes with add/);
    await expect(hubCommand(['facility', 'frobnicate'])).rejects.toThrow(/unknown hub facility subcommand/);
    expect((await run(['facility', 'list', '--db', db])).out).toMatch(/^bg-0137\t/);
  });

  it('hub run refuses an unregistered facility by default and accepts it with --open-registry (with a warning)', async () => {
    const db = join(tmp.dir, 'open.db');
    const lines: string[] = [];
    service = await startHubService({ broker: null, embeddedPort: 0, db, logger: silentLogger(), say: (l) => lines.push(l) });
    await service.connected;
    agent = makeAgent(service.brokerUrl);
    agent.uplink.start();
    agent.recorder.record(violation(1));
    await waitFor(() => expect(service!.hub.stats().dropped.unregistered).toBeGreaterThanOrEqual(2)); // birth, status, event …
    expect(await service.hub.summaries()).toEqual([]);
    expect(agent.store.stats().acked).toBe(0);
    await agent.close();
    agent = null;
    await service.stop();
    service = await startHubService({ broker: null, embeddedPort: 0, db, openRegistry: true, logger: silentLogger(), say: (l) => lines.push(l) });
    await service.connected;
    expect(lines.join('\n')).toMatch(/WARNING: --open-registry/);
    agent = makeAgent(service.brokerUrl);
    agent.uplink.start();
    agent.recorder.record(violation(2));
    await waitFor(() => expect(agent!.store.stats().acked).toBeGreaterThanOrEqual(1));
    expect((await run(['facility', 'list', '--db', db])).out).toMatch(new RegExp(`^${FID}\t`));
  });

  it('parses HOST:PORT, including IPv6', () => {
    expect(parseHostPort('127.0.0.1:8090')).toEqual({ host: '127.0.0.1', port: 8090 });
    expect(parseHostPort('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseHostPort('hub:99999')).toBeNull();
    expect(parseHostPort('::1:80')).toBeNull();
  });
});
