import { describe, expect, it } from 'vitest';
import { classifyFfmpegExit, cleanStderrLine } from '../../agent/decode/index.js';
import { scrubSecrets, urlSecrets } from '../../agent/decode/ffmpeg-errors.js';

const RTSP = { inputKind: 'rtsp', exitCode: 1, signal: null } as const;
const FILE = { inputKind: 'file', exitCode: 1, signal: null } as const;

describe('classifyFfmpegExit', () => {
  // Lines as ffmpeg 5.1 prints them at -loglevel error (captured from real runs, redacted).
  it.each([
    ['rtsp://cam:***@10.0.0.5/x: Server returned 401 Unauthorized (authorization failed)', 'auth_failed'],
    ['[rtsp] method DESCRIBE failed: 403 Forbidden', 'auth_failed'],
    ['rtsp://10.0.0.5/x: Server returned 404 Not Found', 'not_found'],
    ['/media/missing.mp4: No such file or directory', 'not_found'],
    ['[tcp] Connection to tcp://127.0.0.1:9?timeout=10000000 failed: Connection refused', 'refused'],
    ['[tcp] Connection to tcp://10.0.0.9:554 failed: No route to host', 'refused'],
    ['[tcp] Connection to tcp://10.0.0.9:554 failed: Connection timed out', 'timeout'],
    ['Decoder (codec none) not found for input stream #0:0', 'codec_unsupported'],
    ['garbage.mp4: Invalid data found when processing input', 'bad_stream'],
    ['[mov,mp4,m4a,3gp,3g2,mj2] moov atom not found', 'bad_stream'],
    ['something nobody has seen before', 'unknown'],
  ])('%s → %s', (line, kind) => {
    expect(classifyFfmpegExit([line], RTSP)?.kind).toBe(kind);
  });

  it('prefers the specific cause over generic follow-up lines', () => {
    const lines = ['[rtsp] method DESCRIBE failed: 401 Unauthorized', 'rtsp://x: Invalid data found when processing input'];
    expect(classifyFfmpegExit(lines, RTSP)?.kind).toBe('auth_failed');
  });

  it('returns null for a clean end and explains a silent non-zero exit or a signal', () => {
    expect(classifyFfmpegExit([], { ...FILE, exitCode: 0 })).toBeNull();
    expect(classifyFfmpegExit([], FILE)).toMatchObject({ kind: 'unknown', message: expect.stringMatching(/code 1/) as string });
    expect(classifyFfmpegExit([], { ...FILE, exitCode: null, signal: 'SIGKILL' })?.message).toMatch(/SIGKILL/);
  });

  it('calls an RTSP "Invalid data" after the full I/O timeout with no frames a timeout', () => {
    const line = ['rtsp://10.0.0.5/x: Invalid data found when processing input'];
    const ctx = { ...RTSP, frames: 0, ioTimeoutMs: 10_000 };
    expect(classifyFfmpegExit(line, { ...ctx, runtimeMs: 10_050 })).toMatchObject({
      kind: 'timeout',
      message: expect.stringMatching(/^no valid RTSP answer came within the I\/O timeout/) as string,
    });
    expect(classifyFfmpegExit(line, { ...ctx, runtimeMs: 200 })?.kind).toBe('bad_stream');
    expect(classifyFfmpegExit(line, { ...ctx, runtimeMs: 60_000, frames: 40 })?.kind).toBe('bad_stream');
  });

  it('words messages for the input kind and keeps ffmpeg\'s line as detail', () => {
    const e = classifyFfmpegExit(['/x.mp4: No such file or directory'], FILE);
    expect(e?.message).toMatch(/input file does not exist/);
    expect(e?.detail).toBe('/x.mp4: No such file or directory');
    expect(classifyFfmpegExit(['rtsp://h/x: Server returned 404 Not Found'], RTSP)?.message).toMatch(/no stream at this path/);
  });

  it('never lets a credential through even when given an unredacted line', () => {
    const e = classifyFfmpegExit(['rtsp://admin:Pa55word@10.0.0.5/x: Server returned 401 Unauthorized'], RTSP);
    expect(e?.message).not.toContain('Pa55word');
    expect(e?.detail).not.toContain('Pa55word');
  });
});

describe('cleanStderrLine / secrets', () => {
  it('drops the whole userinfo, memory addresses and bounds the length', () => {
    const line = cleanStderrLine('[tcp @ 0x55b81b4258c0] rtsp://operator:s3cret@127.0.0.1:9/x: Connection refused');
    expect(line).toBe('[tcp] rtsp://***@127.0.0.1:9/x: Connection refused');
    expect(cleanStderrLine('x'.repeat(1000)).length).toBeLessThanOrEqual(300);
  });

  it('removes passwords the URL pattern cannot parse (an @ inside the password)', () => {
    const url = 'rtsp://cam:p@ss#w0rd@10.0.0.5/x';
    const secrets = urlSecrets(url);
    expect(secrets).toContain('p@ss#w0rd');
    const line = cleanStderrLine(`${url}: Connection refused`, secrets);
    expect(line).not.toMatch(/ss#w0rd|p@ss/);
  });

  it('also removes the percent-decoded form of an encoded password', () => {
    const secrets = urlSecrets('rtsp://cam:p%40ssword1@host/x');
    expect(scrubSecrets('echo p@ssword1 and p%40ssword1', secrets)).toBe('echo *** and ***');
  });

  it('has no secrets for a URL without userinfo and ignores very short ones', () => {
    expect(urlSecrets('rtsp://10.0.0.5/x')).toEqual([]);
    expect(scrubSecrets('a bad day', ['a'])).toBe('a bad day');
  });
});
