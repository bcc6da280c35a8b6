// The camera survey end to end: a real agent whose camera is the ONVIF emulator (a vendor-default login, a clock
// 5 s ahead) connects to a hub (reference hub over the embedded broker, SQLite); the hub's HTTP API, with a
// national token, returns the survey with the emulator's make, model and firmware, its profile, the clock offset and
// the default password flagged, and no address or password of the camera anywhere in it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/app.js';
import { loadConfig, type AppConfig, type CameraConfig } from '../../agent/config/index.js';
import { silentLogger } from '../../agent/ops/index.js';
import { systemClock } from '../../agent/shared/clock.js';
import { ApiAccess, EmbeddedBroker, ReferenceHub, startHubHttp, type HubHttp } from '../../hub/index.js';
import { OnvifSimulator } from '../camera/onvif/simulator.js';

const REPO = new URL('../../', import.meta.url).pathname;

let dir: string;
let sim: OnvifSimulator | undefined;
let broker: EmbeddedBroker | undefined;
let hub: ReferenceHub | undefined;
let access: ApiAccess | undefined;
let http: HubHttp | undefined;
let agent: Agent | undefined;

afterAll(async () => {
  await agent?.stop();
  await http?.close();
  access?.close();
  await hub?.stop();
  await broker?.stop();
  await sim?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Polls `fn` until it returns a value, naming what it waited for when the bound runs out. */
async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface SurveyAnswer {
  latest: { survey: { fid: string; cameras: Record<string, unknown>[] } } | null;
  history: unknown[];
}

describe('camera survey: agent with an ONVIF camera → hub → HTTP API', () => {
  it('the hub returns the emulator\'s make and model, profile, clock offset and default password', { timeout: 120_000 }, async () => {
    dir = mkdtempSync(join(tmpdir(), 'qmon-survey-'));
    sim = await OnvifSimulator.start({ username: 'admin', password: '12345', clockOffsetMs: 5_000 });
    broker = new EmbeddedBroker();
    const { url, port } = await broker.start();
    const demo = await loadConfig(join(REPO, 'config/demo.yaml'));
    const fid = demo.facility.id;
    hub = new ReferenceHub({ url, dbFile: join(dir, 'hub.db'), clock: systemClock, logger: silentLogger(), reconnectMs: 50, facilities: [fid] });
    await hub.start();
    access = new ApiAccess(join(dir, 'hub.db'));
    const token = access.addToken('moh', 'national', null, Date.now());
    http = await startHubHttp(hub, '127.0.0.1', 0, { access });

    const walkway = demo.cameras[0]!;
    const gate: CameraConfig = {
      ...walkway,
      id: 'gate',
      name: 'Cổng chính',
      source: { kind: 'onvif', address: '127.0.0.1', port: sim.port, username: 'admin', password: '12345', profile: 'sub' },
    };
    const config: AppConfig = {
      ...demo,
      hub: { ...demo.hub, url, mode: 'mqtt', host: '127.0.0.1', port, tls: null },
      storage: { ...demo.storage, dir: join(dir, 'data') },
      local: { ...demo.local, port: 0 },
      cameras: [gate, walkway],
    };
    agent = new Agent({ config, logger: silentLogger() });
    await agent.start();

    const get = async (path: string): Promise<SurveyAnswer> => {
      const res = await fetch(`${http!.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      return (await res.json()) as SurveyAnswer;
    };
    // The connect's survey may predate the camera's ONVIF answer; the agent surveys again once it has it.
    const cam = await until(
      'a survey at the hub naming the ONVIF camera\'s make',
      async () => {
        const s = await get(`/facilities/${fid}/survey`);
        const c = s.latest?.survey.cameras.find((x) => x.id === 'gate');
        return c?.device === null || c === undefined ? undefined : c;
      },
      60_000,
    );
    expect(cam).toMatchObject({
      name: 'Cổng chính',
      source: 'onvif',
      enabled: true,
      device: { manufacturer: 'SimCam', model: 'SC-2021', firmware: 'V5.5.0' },
      profile: { role: 'sub', name: 'subStream', encoding: 'H264', width: 640, height: 360, fps: 10 },
      default_password: true,
    });
    expect(Math.abs((cam.clock_offset_ms as number) - 5_000)).toBeLessThan(1_600);
    expect(typeof cam.rules).toBe('number');
    const all = await get(`/facilities/${fid}/survey`);
    expect(all.history).toHaveLength(1);
    const walk = all.latest!.survey.cameras.find((x) => x.id === 'walkway');
    expect(walk).toMatchObject({ source: 'file', device: null, profile: null, default_password: null, clock_offset_ms: null });
    const text = JSON.stringify(all);
    expect(text).not.toContain('12345');
    expect(text).not.toContain(`127.0.0.1:${sim.port}`);
    const summary = (await (await fetch(`${http.url}/survey`, { headers: { authorization: `Bearer ${token}` } })).json()) as { facilities: Record<string, unknown>[] };
    expect(summary.facilities).toEqual([expect.objectContaining({ fid, cameras: 2, default_passwords: 1 })]);
  });
});
