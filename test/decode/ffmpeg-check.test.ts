import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFfmpeg, FfmpegCheckError } from '../../agent/decode/index.js';
import { tempDir } from './media.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => (tmp = tempDir('ffcheck')));
afterAll(() => tmp.cleanup());

/** An executable that prints `text` like `ffmpeg -version` would (to test version parsing only). */
function fakeFfmpeg(name: string, text: string): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' '${text}'\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('checkFfmpeg', () => {
  it('reports the version of the installed system ffmpeg', async () => {
    const v = await checkFfmpeg();
    expect(v.version).toMatch(/^\d+\.\d+/);
    expect(v.major).toBeGreaterThanOrEqual(4);
  });

  it('names the Debian package when ffmpeg is missing', async () => {
    const err = await checkFfmpeg(join(tmp.dir, 'missing-ffmpeg')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FfmpegCheckError);
    expect((err as FfmpegCheckError).reason).toBe('missing');
    expect((err as Error).message).toMatch(/apt-get install ffmpeg/);
    expect((err as Error).message).not.toMatch(/\n/);
  });

  it('rejects a version older than 4.4, naming the package', async () => {
    const old = fakeFfmpeg('ffmpeg-43', 'ffmpeg version 4.3.6-0+deb11u1 Copyright (c) 2000-2023');
    await expect(checkFfmpeg(old)).rejects.toThrow(/4\.3\.6.*too old.*apt-get install ffmpeg/);
  });

  it('accepts 4.4 and git builds', async () => {
    expect(await checkFfmpeg(fakeFfmpeg('ffmpeg-44', 'ffmpeg version n4.4.2 Copyright'))).toMatchObject({ major: 4, minor: 4 });
    expect(await checkFfmpeg(fakeFfmpeg('ffmpeg-git', 'ffmpeg version N-112345-gabcdef Copyright'))).toMatchObject({
      version: 'N-112345-gabcdef',
      major: null,
    });
  });

  it('says so when the program is not ffmpeg or not executable', async () => {
    await expect(checkFfmpeg(fakeFfmpeg('not-ffmpeg', 'hello'))).rejects.toThrow(/did not report an ffmpeg version/);
    const noexec = join(tmp.dir, 'noexec');
    writeFileSync(noexec, 'x');
    await expect(checkFfmpeg(noexec)).rejects.toMatchObject({ reason: 'not_executable' });
  });
});
