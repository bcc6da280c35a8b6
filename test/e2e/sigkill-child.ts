// Child process of faults-sigkill.test.ts: the real Store + Uplink against mosquitto, producing violations
// (some with a second revision) as fast as it can, and printing `<event_id> <rev> <seq>` only after the
// revision has been committed. It prints `ready` once the hub has ACKed its first rows (so it is connected and
// events are flowing both ways); the parent SIGKILLs it at a random moment after that.
import { systemClock } from '../../agent/shared/clock.js';
import { violation } from '../store/fixtures.js';
import { agentAt } from './agent.js';

const [dir, url, startText] = process.argv.slice(2);
if (!dir || !url || !startText) throw new Error('usage: sigkill-child.ts <dir> <mqtt url> <first index>');
const agent = agentAt(dir, url, systemClock, { replayRatePerS: 1_000, ackTimeoutMs: 2_000 });
let ready = false;
agent.uplink.on('acked', ({ acked }) => {
  if (ready || acked === 0) return;
  ready = true;
  process.stdout.write('ready\n');
});
agent.uplink.start();
let i = Number(startText);
const tick = (): void => {
  for (let k = 0; k < 3; k++) {
    const v = violation(i++);
    const a = agent.recorder.record(v);
    process.stdout.write(`${v.eventId} 1 ${a.seq}\n`);
    if (i % 4 === 0) {
      const b = agent.recorder.record({ ...v, rev: 2, state: 'end', updatedAt: v.updatedAt + 500 });
      process.stdout.write(`${v.eventId} 2 ${b.seq}\n`);
    }
  }
  setTimeout(tick, 2);
};
tick();
