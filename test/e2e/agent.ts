// The agent's store-and-forward half (real SQLite store + Uplink) for fault tests and their child processes.
// No vitest import here: sigkill-child.ts runs this outside the test runner.
import type { Clock } from '../../agent/shared/clock.js';
import { silentLogger } from '../../agent/ops/index.js';
import { Store } from '../../agent/store/index.js';
import { Uplink, type UplinkOptions } from '../../agent/uplink/index.js';
import { ViolationRecorder } from '../../agent/pipeline/index.js';

import { BIRTH, FID } from '../uplink/identity.js';

export { FID };

/** Store + Uplink on `dir` (reopenable: a second call on the same dir is the agent after a restart). */
export function agentAt(dir: string, url: string, clock: Clock, over: Partial<UplinkOptions> = {}) {
  const store = Store.open({ dir, clock, logger: silentLogger() });
  const uplink = new Uplink({
    fid: FID,
    url,
    store,
    clock,
    logger: silentLogger(),
    birth: () => BIRTH,
    backoff: { baseMs: 50, capMs: 300 },
    tickMs: 50,
    ackTimeoutMs: 3_000,
    ...over,
  });
  const recorder = new ViolationRecorder({ store, fid: over.fid ?? FID, signer: over.signer ?? null, context: () => uplink.outboxContext() });
  recorder.onRecorded(() => uplink.pump());
  const connected = () => new Promise<void>((resolve) => uplink.once('connected', () => resolve()));
  const close = async () => {
    await uplink.stop();
    store.close();
  };
  return { store, uplink, recorder, connected, close };
}

