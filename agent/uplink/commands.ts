import {
  buildResponse,
  decodePayload,
  inboundProblem,
  RebaseCommand,
  RebirthCommand,
  ResendCommand,
  SetPolicyCommand,
  SnapshotCommand,
  type ResponseInput,
} from '../../contract/index.js';

/** What a command may do to the agent; the uplink supplies it. */
export interface CommandActions {
  rebirth(): void;
  /** Requeues sent/acked rows in [fromSeq, toSeq]; returns how many. */
  resend(fromSeq: number, toSeq: number): number;
  /** Validated overrides in; the effective policy (contract key names) out. */
  setPolicy(cmd: SetPolicyCommand): Record<string, number | boolean>;
  /** Sends the named snapshot; resolves with what was sent and how. Rejects with the reason it cannot. */
  snapshot(cmd: SnapshotCommand): Promise<Record<string, number | string>>;
  /** Moves sessions and seqs above the hub's (cmd/rebase); what it changed. */
  rebase(cmd: RebaseCommand): Record<string, number | boolean>;
}

/** A command's outcome is exactly what the contract's response carries. */
export type CommandOutcome = ResponseInput;

const MAX_ID = 64;

/** The request id if the payload is JSON with a plausible `id`, so even an error can be correlated. */
function requestId(bytes: Buffer): string | null {
  try {
    const v = JSON.parse(bytes.toString('utf8')) as unknown;
    if (v && typeof v === 'object' && 'id' in v && typeof v.id === 'string' && /^[A-Za-z0-9_.:-]+$/.test(v.id)) {
      return v.id.slice(0, MAX_ID);
    }
  } catch {
    // not JSON: no id to echo
  }
  return null;
}

/**
 * Runs one hub command. Unknown names and malformed payloads come back as `ok: false` with a
 * reason; nothing here throws, because a hostile or buggy hub must not be able to stop the agent.
 */
export async function runCommand(name: string, bytes: Buffer, actions: CommandActions): Promise<CommandOutcome> {
  const problem = inboundProblem('cmd', bytes);
  if (problem !== null) {
    // Not even parsed for its id: a huge or deeply nested payload is a bug or an attempt to make us work.
    return { ok: false, id: null, error: problem.replace(/^cmd payload/, 'command payload'), result: null };
  }
  const id = requestId(bytes);
  const failed = (error: string): CommandOutcome => ({ ok: false, id, error: error.slice(0, 512), result: null });
  try {
    switch (name) {
      case 'rebirth': {
        const parsed = decodePayload(RebirthCommand, 'cmd/rebirth', bytes.length === 0 ? '{}' : bytes);
        if (!parsed.ok) return failed(parsed.error);
        actions.rebirth();
        return { ok: true, id, error: null, result: null };
      }
      case 'resend': {
        const parsed = decodePayload(ResendCommand, 'cmd/resend', bytes);
        if (!parsed.ok) return failed(parsed.error);
        const requeued = actions.resend(parsed.value.from_seq, parsed.value.to_seq);
        return { ok: true, id, error: null, result: { requeued } };
      }
      case 'set-policy': {
        const parsed = decodePayload(SetPolicyCommand, 'cmd/set-policy', bytes);
        if (!parsed.ok) return failed(parsed.error);
        return { ok: true, id, error: null, result: actions.setPolicy(parsed.value) };
      }
      case 'snapshot': {
        const parsed = decodePayload(SnapshotCommand, 'cmd/snapshot', bytes);
        if (!parsed.ok) return failed(parsed.error);
        return { ok: true, id, error: null, result: await actions.snapshot(parsed.value) };
      }
      case 'rebase': {
        const parsed = decodePayload(RebaseCommand, 'cmd/rebase', bytes);
        if (!parsed.ok) return failed(parsed.error);
        return { ok: true, id, error: null, result: actions.rebase(parsed.value) };
      }
      default:
        return failed(`unknown command "${name.slice(0, 64)}"`);
    }
  } catch (e) {
    return failed(`command ${name.slice(0, 64)} failed: ${(e as Error).message}`);
  }
}

/**
 * The `qmon.res/1` bytes for an outcome. A result that breaks the contract is the agent's own bug:
 * it is reported through `onInvalid` and the hub still gets an answer (a bare error), so the
 * message handler never throws.
 */
export function responseBytes(fid: string, name: string, outcome: CommandOutcome, wall: number, onInvalid: (error: string) => void): Buffer {
  try {
    return buildResponse(fid, name, outcome, wall);
  } catch (e) {
    onInvalid((e as Error).message);
    return buildResponse(fid, name, { ok: false, id: outcome.id, error: 'the agent could not encode its response', result: null }, wall);
  }
}
