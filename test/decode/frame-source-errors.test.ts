/**
 * Failure classification with the real ffmpeg: missing and garbage files, an unknown codec, a
 * missing binary, a closed port, and a minimal fake RTSP camera that refuses or ignores requests.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FfmpegFrameSource, type FfmpegInput, type FrameSourceExit } from '../../agent/decode/index.js';
import { createLogger } from '../../agent/ops/index.js';
import { closedPort, startFakeRtsp } from './fake-rtsp.js';
import { tempDir } from './media.js';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => (tmp = tempDir('decode-err')));
afterAll(() => tmp.cleanup());

const OUT = { width: 160, height: 120, fps: 5 };

async function run(input: FfmpegInput, extra: { ffmpegPath?: string; logLines?: string[] } = {}): Promise<FrameSourceExit> {
  const lines = extra.logLines;
  const logger = lines
    ? createLogger({
        level: 'debug',
        destination: new Writable({
          write(chunk: Buffer, _enc, cb) {
            lines.push(chunk.toString());
            cb();
          },
        }),
      })
    : undefined;
  const src = new FfmpegFrameSource({ cameraId: 'cam-e', input, output: OUT, ffmpegPath: extra.ffmpegPath, logger });
  src.start();
  return src.exited;
}

describe('file inputs', () => {
  it('a missing file is not_found, with a message that says so', async () => {
    const exit = await run({ kind: 'file', path: join(tmp.dir, 'nope.mp4'), loop: false, realtime: false });
    expect(exit.code).not.toBe(0);
    expect(exit.error).toMatchObject({ kind: 'not_found' });
    expect(exit.error?.message).toMatch(/does not exist/);
    expect(exit.frames).toBe(0);
  });

  it('a file of random bytes is bad_stream', async () => {
    const path = join(tmp.dir, 'garbage.mp4');
    writeFileSync(path, Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 2654435761) >>> 24)));
    const exit = await run({ kind: 'file', path, loop: false, realtime: false });
    expect(exit.error?.kind).toBe('bad_stream');
    expect(exit.stderr.length).toBeGreaterThan(0);
  });

  it('a stream in a codec ffmpeg has no decoder for is codec_unsupported', async () => {
    // A real MPEG-4 AVI whose codec tag is rewritten to an unknown FourCC.
    const path = join(tmp.dir, 'mp4v.avi');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i',
      'testsrc=size=64x48:rate=5', '-t', '1', '-c:v', 'mpeg4', path]);
    let bytes = readFileSync(path);
    for (const tag of ['FMP4', 'fmp4', 'mp4v', 'xvid', 'XVID']) {
      bytes = Buffer.from(bytes.toString('latin1').split(tag).join('QQQQ'), 'latin1');
    }
    writeFileSync(path, bytes);
    const exit = await run({ kind: 'file', path, loop: false, realtime: false });
    expect(exit.error?.kind).toBe('codec_unsupported');
    expect(exit.error?.message).toMatch(/H\.264/);
  });

  it('a missing ffmpeg binary is spawn_failed and names the package to install', async () => {
    const exit = await run({ kind: 'file', path: '/x.mp4', loop: false }, { ffmpegPath: join(tmp.dir, 'no-ffmpeg') });
    expect(exit.error?.kind).toBe('spawn_failed');
    expect(exit.error?.message).toMatch(/apt-get install ffmpeg/);
  });
});

describe('RTSP inputs never leak credentials', () => {
  const USER = 'operator7';
  const PASS = 'Kh0ng-Lo!';

  function expectNoSecrets(exit: FrameSourceExit, logLines: string[]): void {
    const everything = [exit.error?.message ?? '', exit.error?.detail ?? '', ...exit.stderr, ...logLines].join('\n');
    expect(everything).not.toContain(PASS);
    expect(everything).not.toContain(USER);
  }

  it('a closed loopback port is refused', async () => {
    const port = await closedPort();
    const logLines: string[] = [];
    const exit = await run({ kind: 'rtsp', url: `rtsp://${USER}:${PASS}@127.0.0.1:${port}/live` }, { logLines });
    expect(['refused', 'timeout']).toContain(exit.error?.kind);
    expect(exit.error?.message).toMatch(/could not connect|did not answer/);
    expect(logLines.length).toBeGreaterThan(0); // the stderr lines were logged, redacted
    expectNoSecrets(exit, logLines);
  });

  it('a password with @ and # (percent-encoded in the URL, as it must be) is scrubbed in both forms', async () => {
    const port = await closedPort();
    const exit = await run({ kind: 'rtsp', url: `rtsp://${USER}:${encodeURIComponent('p@ss#Secret9')}@127.0.0.1:${port}/live` });
    expect(exit.error?.kind).toBe('refused');
    const text = [exit.error?.message, ...exit.stderr].join('\n');
    expect(text).toMatch(/127\.0\.0\.1/);
    expect(text).not.toMatch(/Secret9|p@ss|p%40ss/);
  });

  it.each([
    ['401', 'auth_failed', /username or password/],
    ['404', 'not_found', /no stream at this path/],
  ] as const)('a camera answering %s is %s', async (mode, kind, message) => {
    const cam = await startFakeRtsp(mode);
    try {
      const logLines: string[] = [];
      const exit = await run({ kind: 'rtsp', url: `rtsp://${USER}:${PASS}@127.0.0.1:${cam.port}/live` }, { logLines });
      expect(exit.error?.kind).toBe(kind);
      expect(exit.error?.message).toMatch(message);
      expect(cam.requests[0]).toMatch(/^OPTIONS rtsp:\/\/127\.0\.0\.1/);
      expectNoSecrets(exit, logLines);
    } finally {
      await cam.close();
    }
  });

  it('a camera that accepts the connection but never answers is a timeout', async () => {
    const cam = await startFakeRtsp('silent');
    try {
      const exit = await run({ kind: 'rtsp', url: `rtsp://${USER}:${PASS}@127.0.0.1:${cam.port}/live`, ioTimeoutS: 1 });
      expect(exit.error?.kind).toBe('timeout');
      expectNoSecrets(exit, []);
    } finally {
      await cam.close();
    }
  });
});
