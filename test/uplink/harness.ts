import mqtt, { type MqttClient } from 'mqtt';
import { vi } from 'vitest';
import { systemClock } from '../../agent/shared/clock.js';
import { silentLogger } from '../../agent/ops/index.js';
import { Store } from '../../agent/store/index.js';
import { Uplink, type UplinkOptions } from '../../agent/uplink/index.js';
import { ViolationRecorder } from '../../agent/pipeline/index.js';
import { ReferenceHub, type ReferenceHubOptions } from '../../hub/index.js';
import { tempDir } from '../store/fixtures.js';

import { BIRTH, FID } from './identity.js';

export { BIRTH, FID };

/** An agent side (store + uplink) on a real SQLite file, talking to `url`; fast timings for tests. */
export function makeAgent(url: string, over: Partial<UplinkOptions> = {}) {
  const tmp = tempDir('uplink');
  const store = Store.open({ dir: tmp.dir, clock: systemClock, logger: silentLogger() });
  const uplink = new Uplink({
    fid: FID,
    url,
    store,
    clock: systemClock,
    logger: silentLogger(),
    birth: () => BIRTH,
    cameraHealth: () => [{ id: 'corridor-a', state: 'online', fpsIn: 10, fpsDetect: 5, lastFrameAgeS: 0.1, quality: 'fair' }],
    backoff: { baseMs: 50, capMs: 300 },
    tickMs: 50,
    replayRatePerS: 200,
    ackTimeoutMs: 3_000,
    ...over,
  });
  const recorder = recorderFor(uplink, store, over);
  const close = async () => {
    await uplink.stop();
    store.close();
    tmp.cleanup();
  };
  return { store, uplink, recorder, close };
}

/**
 * Where the agent's violations are recorded (the pipeline's recorder: violation + outbox row with the contract's
 * bytes, signed with the uplink's key), with the uplink relaying what is stored, as the agent wires them.
 */
export function recorderFor(uplink: Uplink, store: Store, over: Partial<UplinkOptions> = {}): ViolationRecorder {
  const recorder = new ViolationRecorder({ store, fid: over.fid ?? FID, signer: over.signer ?? null, context: () => uplink.outboxContext() });
  recorder.onRecorded(() => uplink.pump());
  return recorder;
}

export function makeHub(url: string, over: Partial<ReferenceHubOptions> = {}): ReferenceHub {
  return new ReferenceHub({ url, dbFile: ':memory:', clock: systemClock, logger: silentLogger(), reconnectMs: 50, facilities: [FID], ...over });
}

/** A plain MQTT client for poking at the agent as a hub operator would. */
export async function probeClient(url: string): Promise<MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion: 4, clientId: `probe-${Math.random().toString(16).slice(2)}`, reconnectPeriod: 0 });
}

/** Records, for every publish the agent's client makes, whether it was connected at that moment. */
export function spyOnAgentPublishes(): { whileDisconnected: () => number; total: () => number; restore: () => void } {
  const seen: boolean[] = [];
  const proto = mqtt.MqttClient.prototype;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- applied with the client as `this` below
  const original = proto.publish;
  const spy = vi.spyOn(proto, 'publish').mockImplementation(function (this: MqttClient, ...args: unknown[]) {
    if (this.options.clientId === FID) seen.push(this.connected);
    return (original as (...a: unknown[]) => MqttClient).apply(this, args);
  });
  return {
    whileDisconnected: () => seen.filter((c) => !c).length,
    total: () => seen.length,
    restore: () => spy.mockRestore(),
  };
}

export const waitFor = <T>(fn: () => T, timeout = 10_000) => vi.waitFor(fn, { timeout, interval: 20 });
