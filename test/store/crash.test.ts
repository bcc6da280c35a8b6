import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ManualClock } from '../../agent/shared/clock.js';
import { silentLogger } from '../../agent/ops/index.js';
import { Store } from '../../agent/store/index.js';
import { tempDir } from './fixtures.js';

const CHILD = fileURLToPath(new URL('./record-child.ts', import.meta.url));

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('crash')));
afterEach(() => cleanup());

it('every row whose recordViolation returned survives a SIGKILL of the process', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const reported: { seq: number; eventId: string }[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let buf = '';
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const line of lines) {
      const [seq, eventId] = line.split(' ');
      reported.push({ seq: Number(seq), eventId: eventId! });
    }
    // Kill mid-stream, while the child is still writing.
    if (reported.length >= 40 && !child.killed) child.kill('SIGKILL');
  });
  const signal = await exited;
  expect(stderr).toBe('');
  expect(signal).toBe('SIGKILL');
  expect(reported.length).toBeGreaterThanOrEqual(40);

  const store = Store.open({ dir, clock: new ManualClock(), logger: silentLogger() });
  try {
    for (const r of reported) {
      expect(store.violation(r.eventId)?.eventId).toBe(r.eventId);
      expect(store.rows({ fromSeq: r.seq, toSeq: r.seq })[0]?.eventId).toBe(r.eventId);
    }
    // Rows may exist beyond the last line the parent read (committed, not yet printed), never fewer.
    expect(store.stats().pending).toBeGreaterThanOrEqual(reported.length);
    expect(store.lastSeq()).toBe(store.stats().pending);
  } finally {
    store.close();
  }
});
