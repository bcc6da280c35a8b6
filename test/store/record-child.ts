// Child process for crash.test.ts: records violations as fast as it can and prints each seq only
// after recordViolation has returned. The parent SIGKILLs it mid-stream.
import { Store } from '../../agent/store/index.js';
import { systemClock } from '../../agent/shared/clock.js';
import { silentLogger } from '../../agent/ops/index.js';
import { fakeEncode, violation } from './fixtures.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: record-child.ts <dir>');
const store = Store.open({ dir, clock: systemClock, logger: silentLogger() });
let i = 0;
const tick = () => {
  for (let k = 0; k < 5; k++) {
    const v = violation(++i);
    const { seq } = store.recordViolation(v, fakeEncode(v));
    process.stdout.write(`${seq} ${v.eventId}\n`);
  }
  setImmediate(tick);
};
tick();
