// Child process for power-loss.test.ts, run under the fsync shim (LD_PRELOAD): opens the agent's Store, records
// violations one transaction each, and after each recordViolation has returned appends `returned <seq>` to the
// shim's log and prints `<seq> <event_id>`. Then it prints `done` and waits to be SIGKILLed (the power cut):
// closing the store would checkpoint and fsync, which a power cut does not do.
// Mode `off` is the deliberate break that shows the test can fail: the store's synchronous=FULL is set to OFF.
import { appendFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { silentLogger } from '../../agent/ops/index.js';
import { systemClock } from '../../agent/shared/clock.js';
import { Store } from '../../agent/store/index.js';
import { fakeEncode, violation } from './fixtures.js';

const [dir, mode, countText] = process.argv.slice(2);
const log = process.env.QMON_FSYNC_LOG;
if (!dir || (mode !== 'full' && mode !== 'off') || !countText || !log) throw new Error('usage: power-loss-child.ts <dir> full|off <count> (QMON_FSYNC_LOG set)');
const store = Store.open({ dir, clock: systemClock, logger: silentLogger() });
// The break, reaching into the store's private handle on purpose: only this control run does it.
if (mode === 'off') (store as unknown as { db: Database.Database }).db.pragma('synchronous = OFF');
for (let i = 1; i <= Number(countText); i++) {
  const v = violation(i);
  const { seq } = store.recordViolation(v, fakeEncode(v));
  appendFileSync(log, `returned ${seq}\n`);
  process.stdout.write(`${seq} ${v.eventId}\n`);
}
process.stdout.write('done\n');
setInterval(() => undefined, 60_000);
