import type { MqttClient } from 'mqtt';
import { buildAck, MAX_ACK_SEQS, maybeSign, topics, type Signer } from '../contract/index.js';

/** The contract's most seqs per ACK: the agent drops a bigger ACK unread (its byte limit is sized for this). */
const MAX_SEQS_PER_ACK = MAX_ACK_SEQS;

/**
 * Collects the seqs the hub has committed and sends them as one ACK message per facility per turn
 * of the event loop (chunked to `MAX_SEQS_PER_ACK`), not one message per event: a backlog drain
 * would otherwise double the broker's traffic.
 */
export class AckBatch {
  private readonly pending = new Map<string, number[]>();
  private scheduled = false;

  /** @param client the hub's current connection, read at flush time (it changes on reconnect). */
  constructor(
    private readonly client: () => MqttClient | null,
    private readonly onSent: (count: number) => void,
    /** The hub's key: each ACK is signed (over its topic, so it binds the fid). */
    private readonly signer: Signer | null = null,
  ) {}

  add(fid: string, seq: number): void {
    const list = this.pending.get(fid) ?? [];
    list.push(seq);
    this.pending.set(fid, list);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const c = this.client();
      if (c) this.flush(c);
    });
  }

  flush(client: MqttClient): void {
    for (const [fid, seqs] of this.pending) {
      for (let i = 0; i < seqs.length; i += MAX_SEQS_PER_ACK) {
        const chunk = seqs.slice(i, i + MAX_SEQS_PER_ACK);
        const topic = topics.ack(fid);
        client.publish(topic, maybeSign(this.signer, topic, buildAck(chunk)), { qos: 1 });
        this.onSent(chunk.length);
      }
    }
    this.pending.clear();
  }
}
