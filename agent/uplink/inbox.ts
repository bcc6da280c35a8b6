import type { KeyObject } from 'node:crypto';
import { AckPayload, decodePayload, HubStatePayload, inboundProblem, openSigned, parseTopic } from '../../contract/index.js';
import type { DropLog } from '../shared/index.js';
import type { HubState } from './relay.js';

/** What the agent does with each kind of message it subscribes to. */
export interface InboxHandlers {
  hubState(state: HubState): void;
  ack(seqs: readonly number[]): void;
  command(name: string, payload: Buffer, correlationData?: Buffer): void;
}

/**
 * Why a received message was dropped unread (`ack_unsent`: an ACK naming never-published rows;
 * `unsigned` / `unknown_key` / `bad_signature`: not signed by the pinned hub key); counted in UplinkStats.dropped.
 */
export type InboxDrop =
  | 'oversized'
  | 'retained_cmd'
  | 'retained_ack'
  | 'malformed'
  | 'foreign_topic'
  | 'ack_unsent'
  | 'unsigned'
  | 'unknown_key'
  | 'bad_signature';

export interface InboundMeta {
  readonly correlationData?: Buffer | undefined;
  /** The broker delivered a stored retained message (MQTT sets the flag only for those). */
  readonly retain?: boolean;
}

/** The hub's pinned public keys by key id (`hub.public_key`); null: nothing is verified (embedded demo only). */
export type HubKeys = ReadonlyMap<string, KeyObject> | null;

/**
 * Routes one received message. The size (and nesting) is checked before anything is parsed, and a
 * retained `cmd/*` or `ack` is never acted on: a command kept on the broker would run again on every
 * connect, and an ACK is only meaningful once. Anything malformed or off-contract is dropped and
 * counted: the hub side is outside our control and must not be able to crash, stall or confuse the
 * agent. With a pinned hub key, a hub/state, ACK or command that is not signed by it is dropped
 * unanswered: whoever else can publish on our topics cannot make us mark rows acked or run commands.
 */
export function routeMessage(
  fid: string,
  topic: string,
  payload: Buffer,
  meta: InboundMeta,
  handlers: InboxHandlers,
  drops: DropLog<InboxDrop>,
  hubKeys: HubKeys = null,
): void {
  const t = parseTopic(topic);
  const kind = t?.kind === 'hub-state' ? 'hub-state' : t?.fid === fid && (t.kind === 'ack' || t.kind === 'cmd') ? t.kind : null;
  if (t === null || kind === null) {
    drops.drop('foreign_topic', { topic: topic.slice(0, 200) });
    return;
  }
  const problem = inboundProblem(kind, payload);
  if (problem !== null) {
    drops.drop('oversized', { topic: topic.slice(0, 200), bytes: payload.length });
    // A (non-retained) command still gets its refusal, decided by size alone (runCommand never parses it),
    // unless a hub key is pinned: then an unverifiable message gets no answer at all.
    if (kind === 'cmd' && t.cmd && meta.retain !== true && hubKeys === null) handlers.command(t.cmd, payload, meta.correlationData);
    return;
  }
  if (hubKeys !== null) {
    const opened = openSigned(topic, payload, hubKeys);
    if (!opened.ok) {
      drops.drop(opened.problem, { topic: topic.slice(0, 200) });
      return;
    }
    payload = opened.body;
  }
  if (kind === 'hub-state') {
    // Retained on purpose: the hub's state is exactly what a connecting agent must learn.
    const s = decodePayload(HubStatePayload, 'hub/state', payload);
    if (s.ok) handlers.hubState({ online: s.value.online, accepting: s.value.accepting });
    else drops.drop('malformed', { topic: topic.slice(0, 200), err: s.error.slice(0, 200) });
  } else if (meta.retain === true) {
    drops.drop(kind === 'ack' ? 'retained_ack' : 'retained_cmd', { topic: topic.slice(0, 200) });
  } else if (kind === 'ack') {
    const a = decodePayload(AckPayload, 'ack', payload);
    if (a.ok) handlers.ack(a.value.seqs);
    else drops.drop('malformed', { topic: topic.slice(0, 200), err: a.error.slice(0, 200) });
  } else if (t.cmd) {
    handlers.command(t.cmd, payload, meta.correlationData);
  }
}
