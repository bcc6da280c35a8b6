/**
 * The hub's ACK batching: seqs committed in one turn of the event loop go out as one message per
 * facility, long runs are split so no ACK exceeds 1,000 seqs, and nothing is lost or sent twice.
 */
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { AckBatch } from '../../hub/ack-batch.js';
import { topics } from '../../contract/index.js';

interface Sent {
  topic: string;
  seqs: number[];
}

function fakeClient(): { client: MqttClient; sent: Sent[] } {
  const sent: Sent[] = [];
  const client = {
    publish: (topic: string, payload: Buffer) => {
      sent.push({ topic, seqs: (JSON.parse(payload.toString()) as { seqs: number[] }).seqs });
    },
  } as unknown as MqttClient; // only publish is used by AckBatch
  return { client, sent };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('AckBatch', () => {
  it('sends one ACK per facility per turn, with every seq in commit order', async () => {
    const { client, sent } = fakeClient();
    let counted = 0;
    const batch = new AckBatch(() => client, (n) => (counted += n));
    batch.add('fac-a', 3);
    batch.add('fac-b', 9);
    batch.add('fac-a', 4);
    expect(sent).toEqual([]); // not before the turn ends
    await turn();
    expect(sent).toEqual([
      { topic: topics.ack('fac-a'), seqs: [3, 4] },
      { topic: topics.ack('fac-b'), seqs: [9] },
    ]);
    expect(counted).toBe(3);
    batch.add('fac-a', 5);
    await turn();
    expect(sent.at(-1)).toEqual({ topic: topics.ack('fac-a'), seqs: [5] });
  });

  it('splits 2,500 seqs into ACKs of at most 1,000, losing none', async () => {
    const { client, sent } = fakeClient();
    const batch = new AckBatch(() => client, () => undefined);
    for (let s = 1; s <= 2500; s++) batch.add('fac-a', s);
    await turn();
    expect(sent.map((m) => m.seqs.length)).toEqual([1000, 1000, 500]);
    expect(sent.flatMap((m) => m.seqs)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
  });

  it('keeps the seqs while there is no connection and sends them on an explicit flush', async () => {
    const { client, sent } = fakeClient();
    let current: MqttClient | null = null;
    const batch = new AckBatch(() => current, () => undefined);
    batch.add('fac-a', 7);
    await turn();
    expect(sent).toEqual([]);
    current = client;
    batch.flush(client);
    batch.flush(client); // a second flush has nothing left to send
    expect(sent).toEqual([{ topic: topics.ack('fac-a'), seqs: [7] }]);
  });
});
