// writeSnapshotAtomic on a real temp dir.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SnapshotWriteError, snapshotFileName, writeSnapshotAtomic } from '../../agent/events/index.js';

const root = mkdtempSync(join(tmpdir(), 'qmon-snap-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => join(root, `d${++n}`);

describe('writeSnapshotAtomic', () => {
  it('writes exactly the bytes under the final name, creating the folder, and leaves no temp file', async () => {
    const dir = freshDir();
    const bytes = Buffer.from('\xff\xd8 jpeg bytes \xff\xd9', 'latin1');
    const path = await writeSnapshotAtomic(dir, 'e1-r1.jpg', bytes);
    expect(path).toBe(join(dir, 'e1-r1.jpg'));
    expect(readFileSync(path)).toEqual(bytes);
    expect(readdirSync(dir)).toEqual(['e1-r1.jpg']);
  });

  it('replaces an existing file whole, and concurrent writers of one name leave one complete file', async () => {
    const dir = freshDir();
    await writeSnapshotAtomic(dir, 'a.jpg', Buffer.alloc(1000, 1));
    const writes = Array.from({ length: 8 }, (_, i) => writeSnapshotAtomic(dir, 'a.jpg', Buffer.alloc(5000 + i, i + 2)));
    await Promise.all(writes);
    const got = readFileSync(join(dir, 'a.jpg'));
    const fill = got[0]!;
    expect(fill).toBeGreaterThanOrEqual(2);
    expect(got).toEqual(Buffer.alloc(5000 + fill - 2, fill));
    expect(readdirSync(dir)).toEqual(['a.jpg']);
  });

  it.each(['../escape.jpg', 'a/b.jpg', '.hidden.jpg', '', 'x'.repeat(300), 'a..b.jpg'])('refuses the name %j without writing anything', async (name) => {
    const dir = freshDir();
    mkdirSync(dir);
    await expect(writeSnapshotAtomic(dir, name, Buffer.from('x'))).rejects.toThrow(SnapshotWriteError);
    expect(readdirSync(dir)).toEqual([]);
    expect(readdirSync(root).filter((f) => f.includes('escape'))).toEqual([]);
  });

  it('fails plainly when the folder is a file, naming the snapshot and the error code', async () => {
    const file = join(root, 'not-a-dir');
    writeFileSync(file, '');
    await expect(writeSnapshotAtomic(file, 'e-r1.jpg', Buffer.from('x'))).rejects.toThrow(/could not write snapshot e-r1\.jpg in .*not-a-dir \((EEXIST|ENOTDIR)\)/);
  });

  it('removes its temp file when the final rename fails (a folder is in the way)', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'taken.jpg'), { recursive: true });
    writeFileSync(join(dir, 'taken.jpg', 'keep'), '');
    const err = await writeSnapshotAtomic(dir, 'taken.jpg', Buffer.alloc(100, 7)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapshotWriteError);
    expect((err as Error).message).toMatch(/\((EISDIR|ENOTEMPTY|EEXIST)\)/);
    expect(readdirSync(dir)).toEqual(['taken.jpg']);
  });

  it('names files by event id and picture number', () => {
    expect(snapshotFileName('0194f3c2-7b1a-7c3d-8e4f-0123456789ab', 3)).toBe('0194f3c2-7b1a-7c3d-8e4f-0123456789ab-p3.jpg');
  });
});
