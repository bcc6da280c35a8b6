// A hostile facility's surveys at a real reference hub over the embedded broker: 1,000 cameras are dropped unread
// (over the 128 KiB limit, before parsing), a 10 k string or 33 cameras are refused by the schema, a survey naming
// another facility is refused, unknown fields are dropped, HTML is stored as the inert text it is. Nothing refused
// is stored.
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedBroker, type ReferenceHub } from '../../hub/index.js';
import { INBOUND_LIMITS, topics } from '../../contract/index.js';
import { FID, makeHub, probeClient, waitFor } from '../uplink/harness.js';
import { survey, surveyCamera } from './survey-fixtures.js';

let broker: EmbeddedBroker;
let hub: ReferenceHub;
let probe: MqttClient;
const outcomes: string[] = [];

beforeEach(async () => {
  broker = new EmbeddedBroker();
  const { url } = await broker.start();
  hub = makeHub(url);
  hub.on('survey', ({ outcome }) => outcomes.push(outcome));
  await hub.start();
  probe = await probeClient(url);
  outcomes.length = 0;
});

afterEach(async () => {
  await probe.endAsync();
  await hub.stop();
  await broker.stop();
});

const publish = (body: unknown, fid = FID) => probe.publishAsync(topics.survey(fid), Buffer.from(JSON.stringify(body)), { qos: 1 });
const base = () => survey(FID, Date.now());

describe('hostile surveys at the hub', () => {
  it('drops 1,000 cameras unread (oversized), refuses a 10 k string and 33 cameras (invalid); stores none of them', async () => {
    const one = base().cameras[0]!;
    const thousand = { ...base(), cameras: Array.from({ length: 1000 }, (_, i) => ({ ...one, id: `cam-${i}` })) };
    expect(Buffer.byteLength(JSON.stringify(thousand))).toBeGreaterThan(INBOUND_LIMITS.survey);
    await publish(thousand);
    await publish({ ...base(), cameras: [{ ...one, name: 'x'.repeat(10_000) }] });
    await publish({ ...base(), cameras: Array.from({ length: 33 }, (_, i) => ({ ...one, id: `cam-${i}` })) });
    await publish({ ...base(), cameras: [{ ...one, device: { manufacturer: 'a\u0007b', model: null, firmware: null } }] });
    await waitFor(() => {
      expect(hub.stats().dropped.oversized).toBe(1);
      expect(hub.stats().invalid).toBe(3);
    });
    expect(outcomes).toEqual([]);
    expect(await hub.store.surveys.latest(FID)).toBeNull();
  });

  it('refuses a survey whose fid is not its topic\'s', async () => {
    await publish(survey('bg-0999', Date.now()));
    await waitFor(() => expect(hub.stats().invalid).toBe(1));
    expect(await hub.store.surveys.latest('bg-0999')).toBeNull();
    expect(await hub.store.surveys.latest(FID)).toBeNull();
  });

  it('keeps HTML as text and drops unknown fields (tolerant reader): only what was validated is stored', async () => {
    const html = '<img src=x onerror="alert(document.cookie)">';
    const s = survey(FID, Date.now(), [surveyCamera('cam-1', { name: html })]);
    await publish({ ...s, site_map: 'secret', cameras: s.cameras.map((c) => ({ ...c, ip: '192.168.1.20', password: 'admin' })) });
    await waitFor(() => expect(outcomes).toEqual(['applied']));
    const stored = (await hub.store.surveys.latest(FID))!.survey as unknown as Record<string, unknown> & { cameras: Record<string, unknown>[] };
    expect(stored.cameras[0]!.name).toBe(html);
    expect(stored).not.toHaveProperty('site_map');
    expect(stored.cameras[0]).not.toHaveProperty('ip');
    expect(stored.cameras[0]).not.toHaveProperty('password');
  });
});
