// The camera survey on the wire: an agent (real store + Uplink) sends it after connecting and again each day (the
// daily timer fired by the test, both sides on a manual clock), signed; the reference hub over the embedded broker
// keeps the latest and one per day.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedBroker, type ReferenceHub } from '../../hub/index.js';
import { generateSigningKey, publicKeyBase64, signerOf, type SurveyInput } from '../../contract/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import { realTimers, SURVEY_INTERVAL_MS, type Timers } from '../../agent/uplink/index.js';
import { FID, makeAgent, makeHub, waitFor } from './harness.js';

/** Real timers, except the daily survey's, which wait for the test to fire them. */
class DailyHeld implements Timers {
  readonly held: (() => void)[] = [];
  setTimeout(fn: () => void, ms: number): unknown {
    if (ms !== SURVEY_INTERVAL_MS) return realTimers.setTimeout(fn, ms);
    this.held.push(fn);
    return { held: fn };
  }
  clearTimeout(handle: unknown): void {
    if (typeof handle === 'object' && handle !== null && 'held' in handle) {
      const i = this.held.indexOf((handle as { held: () => void }).held);
      if (i >= 0) this.held.splice(i, 1);
    } else realTimers.clearTimeout(handle);
  }
}

const surveyAt = (wall: number, rules: number): SurveyInput => ({
  fid: FID,
  wall,
  version: '0.1.0',
  cameras: [
    {
      id: 'corridor-a',
      name: '<b>Hành lang</b>',
      source: 'onvif',
      enabled: true,
      device: { manufacturer: 'SimCam', model: 'SC-2021', firmware: 'V5.5.0' },
      profile: { role: 'sub', name: 'subStream', encoding: 'H264', width: 640, height: 360, fps: 10 },
      measured: { codec: null, width: null, height: null, fps: null, bitrateKbps: null },
      defaultPassword: true,
      clockOffsetMs: 1500,
      uptime24h: { onlineShare: 0.5, observedS: 3600 },
      quality: 'excellent',
      rules,
    },
  ],
});

let broker: EmbeddedBroker;
let hub: ReferenceHub;
let agent: ReturnType<typeof makeAgent>;
let clock: ManualClock;
let timers: DailyHeld;

beforeEach(async () => {
  clock = new ManualClock(0, Date.UTC(2026, 11, 7, 10));
  timers = new DailyHeld();
  broker = new EmbeddedBroker();
  const { url } = await broker.start();
  const key = generateSigningKey();
  hub = makeHub(url, { clock, requireSignatures: true });
  await hub.start();
  await hub.store.register(FID, null, publicKeyBase64(key.publicKey), clock.wall());
  let rules = 1;
  agent = makeAgent(url, { signer: signerOf(key.privateKey), timers, survey: () => surveyAt(clock.wall(), rules++) });
});

afterEach(async () => {
  await agent.close();
  await hub.stop();
  await broker.stop();
});

describe('camera survey, agent → hub', () => {
  it('is sent signed after connecting, again when the daily timer fires, and kept as latest + one per day', async () => {
    agent.uplink.start();
    await waitFor(async () => expect((await hub.store.surveys.latest(FID))?.survey.cameras[0]?.rules).toBe(1));
    const first = (await hub.store.surveys.latest(FID))!;
    expect(first.day).toBe('2026-12-07');
    expect(first.survey.cameras[0]).toMatchObject({ name: '<b>Hành lang</b>', device: { manufacturer: 'SimCam', model: 'SC-2021' }, default_password: true });
    expect(hub.stats().dropped).toEqual({});
    // One daily timer is pending; a day later it fires and the next survey replaces the latest, kept as a new day.
    expect(timers.held).toHaveLength(1);
    clock.advance(SURVEY_INTERVAL_MS);
    timers.held.shift()!();
    await waitFor(async () => expect((await hub.store.surveys.latest(FID))?.survey.cameras[0]?.rules).toBe(2));
    expect(timers.held).toHaveLength(1);
    const days = await hub.store.surveys.history(FID, 30, clock.wall());
    expect(days.map((d) => d.day)).toEqual(['2026-12-08', '2026-12-07']);
  });

  it('is sent again soon when the agent learns more of its cameras (surveySoon), calls merged, the daily timer re-armed', async () => {
    agent.uplink.start();
    await waitFor(async () => expect((await hub.store.surveys.latest(FID))?.survey.cameras[0]?.rules).toBe(1));
    clock.advance(1000);
    agent.uplink.surveySoon(100);
    agent.uplink.surveySoon(100);
    expect(timers.held).toHaveLength(0); // the short wait replaced the daily one
    await waitFor(async () => expect((await hub.store.surveys.latest(FID))?.survey.cameras[0]?.rules).toBe(2));
    await waitFor(() => expect(timers.held).toHaveLength(1));
    expect((await hub.store.surveys.latest(FID))?.survey.cameras[0]?.rules).toBe(2); // merged: one survey, not two
  });
});
