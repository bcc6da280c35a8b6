// Shared pieces of the fault tests: an agent (real SQLite store + Uplink) on any clock, a publish spy that
// knows the topic and connection state of every agent publish, and the "nothing lost" check by counting.
import mqtt, { type MqttClient } from 'mqtt';
import { expect, vi } from 'vitest';
import type { Store } from '../../agent/store/index.js';
import { topics } from '../../contract/index.js';
import type { HubEventRow, ReferenceHub } from '../../hub/index.js';
import { FID } from './agent.js';

export { FID, agentAt } from './agent.js';

export interface PublishSpy {
  /** Every agent publish: topic and whether the client was connected at that moment. */
  readonly calls: readonly { topic: string; connected: boolean }[];
  events(): number;
  whileDisconnected(): number;
  restore(): void;
}

/**
 * Wraps MqttClient#publish for the agent's client id (the facility id). A plain wrapper, not vi.spyOn:
 * a mock would keep every call's arguments (100,000 payloads in the outage test) alive.
 */
export function spyOnAgentPublishes(): PublishSpy {
  const calls: { topic: string; connected: boolean }[] = [];
  const proto = mqtt.MqttClient.prototype as unknown as { publish: (...args: unknown[]) => unknown };
  const original = proto.publish;
  proto.publish = function (this: MqttClient, ...args: unknown[]) {
    if (this.options.clientId === FID) calls.push({ topic: String(args[0]), connected: this.connected });
    return original.apply(this, args);
  };
  let events = 0;
  let counted = 0;
  return {
    calls,
    events: () => {
      for (; counted < calls.length; counted++) if (calls[counted]!.topic === topics.evt(FID)) events++;
      return events;
    },
    whileDisconnected: () => calls.filter((c) => !c.connected).length,
    restore: () => {
      proto.publish = original;
    },
  };
}

/**
 * "Nothing lost, nothing doubled": the hub holds exactly the events the agent recorded (one row per
 * event_id, at its highest rev), every seq 1..lastSeq was delivered, and the agent's outbox is fully acked.
 */
export function expectAllDelivered(hub: ReferenceHub, store: Store, recorded: ReadonlyMap<string, number>): HubEventRow[] {
  const lastSeq = store.lastSeq();
  const seqs = hub.deliveredSeqs(FID);
  expect(seqs.length).toBe(lastSeq);
  expect(seqs.every((s, i) => s === i + 1)).toBe(true);
  const events = hub.events(FID);
  expect(events).toHaveLength(recorded.size);
  const wrong = events.filter((e) => recorded.get(e.eventId) !== e.rev);
  expect(wrong.map((e) => `${e.eventId} rev ${e.rev}`)).toEqual([]);
  expect(store.stats()).toMatchObject({ pending: 0, sent: 0, acked: lastSeq });
  return events;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `fn` stops throwing, for up to `timeoutMs` of real time. */
export const until = <T>(fn: () => T, timeoutMs = 20_000) => vi.waitFor(fn, { timeout: timeoutMs, interval: 20 });
