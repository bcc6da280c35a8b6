import type { Logger } from '../ops/index.js';
import { AckPayload, decodePayload, HubStatePayload, parseTopic } from '../contract/index.js';
import type { HubState } from './relay.js';

/** What the agent does with each kind of message it subscribes to. */
export interface InboxHandlers {
  hubState(state: HubState): void;
  ack(seqs: readonly number[]): void;
  command(name: string, payload: Buffer, correlationData?: Buffer): void;
}

/**
 * Routes one received message. Anything malformed or off-contract is logged and dropped: the hub
 * side is outside our control and must not be able to crash or confuse the agent.
 */
export function routeMessage(
  fid: string,
  topic: string,
  payload: Buffer,
  correlationData: Buffer | undefined,
  handlers: InboxHandlers,
  logger: Logger,
): void {
  const t = parseTopic(topic);
  if (t?.kind === 'hub-state') {
    const s = decodePayload(HubStatePayload, 'hub/state', payload);
    if (s.ok) handlers.hubState({ online: s.value.online, accepting: s.value.accepting });
    else logger.warn({ err: s.error }, 'ignoring malformed hub/state');
  } else if (t?.fid !== fid) {
    logger.warn({ topic: topic.slice(0, 200) }, 'ignoring a message on a topic that is not ours');
  } else if (t.kind === 'ack') {
    const a = decodePayload(AckPayload, 'ack', payload);
    if (a.ok) handlers.ack(a.value.seqs);
    else logger.warn({ err: a.error }, 'ignoring malformed ack');
  } else if (t.kind === 'cmd' && t.cmd) {
    handlers.command(t.cmd, payload, correlationData);
  }
}
