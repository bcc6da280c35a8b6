/** The data dir is private to the agent's user whatever the umask: created 0700/0600, and fixed at start if not. */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeSnapshotAtomic } from '../../agent/events/index.js';
import { silentLogger } from '../../agent/ops/index.js';
import { ManualClock } from '../../agent/shared/clock.js';
import { DB_FILE, Store, securePrivateTree } from '../../agent/store/index.js';
import { capturingLogger } from '../support/capturing-logger.js';

const root = mkdtempSync(join(tmpdir(), 'qmon-perm-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const mode = (p: string): number => statSync(p).mode & 0o777;

describe('data dir permissions under umask 000', () => {
  let saved: number;
  beforeEach(() => {
    saved = process.umask(0o000);
  });
  afterEach(() => {
    process.umask(saved);
  });

  it('the store creates its dir 0700 and the database, WAL and SHM files 0600', () => {
    const dir = join(root, 'fresh', 'data');
    const store = Store.open({ dir, clock: new ManualClock(0, 1), logger: silentLogger() });
    try {
      expect(mode(dir)).toBe(0o700);
      const files = readdirSync(dir).filter((f) => f.startsWith(DB_FILE));
      expect(files).toEqual(expect.arrayContaining([DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`]));
      for (const f of files) expect(mode(join(dir, f)), f).toBe(0o600);
    } finally {
      store.close();
    }
  });

  it('snapshots are written 0600 in folders made 0700', async () => {
    const dir = join(root, 'snaps', 'snapshots', '2026', '06');
    const file = await writeSnapshotAtomic(dir, 'e1.jpg', Buffer.from('jpeg'));
    expect(mode(file)).toBe(0o600);
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(root, 'snaps', 'snapshots'))).toBe(0o700);
  });

  it('a data dir left world-readable (0755/0644) is made private at start, and the log says so', () => {
    const dir = join(root, 'old');
    mkdirSync(join(dir, 'snapshots', '2026'), { recursive: true, mode: 0o755 });
    writeFileSync(join(dir, 'qmon.db'), 'x', { mode: 0o644 });
    writeFileSync(join(dir, 'snapshots', '2026', 'a.jpg'), 'x', { mode: 0o644 });
    writeFileSync(join(dir, 'ok.txt'), 'x', { mode: 0o600 });
    chmodSync(dir, 0o755);
    const log = capturingLogger();
    const report = securePrivateTree(dir, log.logger);
    expect(report.failed).toEqual([]);
    expect(report.fixed).toHaveLength(5);
    expect(report.fixed).not.toContain(join(dir, 'ok.txt'));
    for (const p of [dir, join(dir, 'snapshots'), join(dir, 'snapshots', '2026')]) expect(mode(p), p).toBe(0o700);
    for (const p of [join(dir, 'qmon.db'), join(dir, 'snapshots', '2026', 'a.jpg')]) expect(mode(p), p).toBe(0o600);
    expect(log.lines().some((l) => String(l.msg).includes('made private'))).toBe(true);
    // Already private: nothing to fix, nothing logged.
    expect(securePrivateTree(dir).fixed).toEqual([]);
  });
});
