import type { MqttClient } from 'mqtt';
import { buildRebaseCommand, maybeSign, topics, type Signer } from '../contract/index.js';
import type { Clock } from '../agent/shared/clock.js';
import type { Logger } from '../agent/ops/index.js';
import type { HubStore } from './store.js';

/** One `cmd/rebase` per facility per process at most this often (a replayed old status must not make a storm). */
export const REBASE_EVERY_MS = 10_000;

/**
 * Tells an agent whose store went back below what the hub has seen (an older session in its status or birth, a
 * birth's `last_seq` below the highest delivered seq, a seq reused for another revision) to move above it:
 * `cmd/rebase` with the facility's stored session and highest delivered seq (docs/hub-contract.md, "Session and
 * seq never go back"). Idempotent at the agent, so a replayed old message that triggers one does no harm.
 */
export class Rebaser {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly w: {
      readonly store: HubStore;
      readonly clock: Clock;
      readonly logger: Logger;
      readonly signer: Signer | null;
      client(): MqttClient | null;
      /** Told of each command sent (the hub's `rebase` event). */
      sent(r: { fid: string; session: number; seq: number; why: string }): void;
    },
  ) {}

  async ask(fid: string, why: string): Promise<void> {
    const now = this.w.clock.now();
    const last = this.last.get(fid);
    if (last !== undefined && now - last < REBASE_EVERY_MS) return;
    this.last.set(fid, now);
    const f = await this.w.store.facility(fid);
    const client = this.w.client();
    if (!f || !client?.connected) return;
    const topic = topics.cmd(fid, 'rebase');
    client.publish(topic, maybeSign(this.w.signer, topic, buildRebaseCommand(f.session, f.maxSeq)), { qos: 1 });
    this.w.logger.warn({ fid, why, session: f.session, seq: f.maxSeq }, 'hub: facility went back below what the hub has seen; asked it to re-base');
    this.w.sent({ fid, session: f.session, seq: f.maxSeq, why });
  }
}
