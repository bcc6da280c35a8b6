import { describe, expect, it } from 'vitest';
import { buildFfmpegArgs, frameByteLength } from '../../agent/decode/index.js';

const OUT = { width: 768, height: 576, fps: 5 };

/** The value following `flag`, or undefined when the flag is absent. */
function valueOf(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i < 0 ? undefined : args[i + 1];
}

describe('buildFfmpegArgs', () => {
  it('plays a looping file in real time, with input options before -i', () => {
    const args = buildFfmpegArgs({ kind: 'file', path: '/media/demo.mp4', loop: true }, OUT);
    const input = args.indexOf('-i');
    expect(args[input + 1]).toBe('/media/demo.mp4');
    expect(args.indexOf('-re')).toBeGreaterThanOrEqual(0);
    expect(args.indexOf('-re')).toBeLessThan(input);
    expect(valueOf(args, '-stream_loop')).toBe('-1');
    expect(args.indexOf('-stream_loop')).toBeLessThan(input);
    expect(args).not.toContain('-rtsp_transport');
  });

  it('does not loop a non-looping file, and drops -re when realtime is off', () => {
    expect(buildFfmpegArgs({ kind: 'file', path: '/a.mp4', loop: false }, OUT)).not.toContain('-stream_loop');
    const fast = buildFfmpegArgs({ kind: 'file', path: '/a.mp4', loop: false, realtime: false }, OUT);
    expect(fast).not.toContain('-re');
  });

  it('prefixes relative paths with file: so a colon cannot select a protocol', () => {
    const args = buildFfmpegArgs({ kind: 'file', path: 'rtsp:trick.mp4', loop: false }, OUT);
    expect(valueOf(args, '-i')).toBe('file:rtsp:trick.mp4');
  });

  it('defaults RTSP to TCP with a socket timeout in microseconds and low-latency flags', () => {
    const url = 'rtsp://user:pw@10.0.0.5:554/Streaming/Channels/102';
    const args = buildFfmpegArgs({ kind: 'rtsp', url }, OUT);
    const input = args.indexOf('-i');
    expect(args[input + 1]).toBe(url);
    expect(valueOf(args, '-rtsp_transport')).toBe('tcp');
    expect(valueOf(args, '-timeout')).toBe('10000000');
    expect(valueOf(args, '-fflags')).toBe('nobuffer');
    expect(valueOf(args, '-flags')).toBe('low_delay');
    for (const flag of ['-rtsp_transport', '-timeout', '-fflags', '-flags']) {
      expect(args.indexOf(flag)).toBeLessThan(input);
    }
    expect(args).not.toContain('-re');
  });

  it('honours udp transport and a custom timeout', () => {
    const args = buildFfmpegArgs({ kind: 'rtsp', url: 'rtsp://cam/1', transport: 'udp', ioTimeoutS: 2.5 }, OUT);
    expect(valueOf(args, '-rtsp_transport')).toBe('udp');
    expect(valueOf(args, '-timeout')).toBe('2500000');
  });

  it('uses -stimeout for ffmpeg 4.x, where -timeout would make the client listen', () => {
    const args = buildFfmpegArgs({ kind: 'rtsp', url: 'rtsp://cam/1' }, OUT, { ffmpegMajor: 4 });
    expect(valueOf(args, '-stimeout')).toBe('10000000');
    expect(args).not.toContain('-timeout');
  });

  it('reduces the rate before scaling, drops other streams and writes raw rgb24 to stdout', () => {
    const args = buildFfmpegArgs({ kind: 'file', path: '/a.mp4', loop: false }, OUT);
    const vf = valueOf(args, '-vf') ?? '';
    expect(vf.split(',')[0]).toBe('fps=5');
    expect(vf.split(',')[1]).toMatch(/^scale=768:576\b/);
    expect(args).toEqual(expect.arrayContaining(['-an', '-sn', '-dn', '-nostdin', '-nostats', '-hide_banner']));
    expect(valueOf(args, '-loglevel')).toBe('error');
    // One decoder thread (an input option: before -i) and one filter thread per camera.
    expect(valueOf(args, '-threads')).toBe('1');
    expect(args.indexOf('-threads')).toBeLessThan(args.indexOf('-i'));
    expect(valueOf(args, '-filter_threads')).toBe('1');
    expect(valueOf(args, '-pix_fmt')).toBe('rgb24');
    expect(valueOf(args, '-f')).toBe('rawvideo');
    expect(args.at(-1)).toBe('pipe:1');
    expect(args.indexOf('-vf')).toBeGreaterThan(args.indexOf('-i'));
  });

  it('resizes in YUV and converts to the output format only at the detect size', () => {
    const vf = (valueOf(buildFfmpegArgs({ kind: 'file', path: '/a.mp4', loop: false }, OUT), '-vf') ?? '').split(',');
    expect(vf.slice(2)).toEqual(['format=yuv420p|yuvj420p', 'scale=flags=bilinear', 'format=rgb24']);
  });

  it('supports gray output and computes frame sizes per format', () => {
    const args = buildFfmpegArgs({ kind: 'file', path: '/a.mp4', loop: false }, { ...OUT, format: 'gray' });
    expect(valueOf(args, '-pix_fmt')).toBe('gray');
    expect(valueOf(args, '-vf')).toMatch(/,format=gray$/);
    expect(frameByteLength(768, 576)).toBe(768 * 576 * 3);
    expect(frameByteLength(768, 576, 'gray')).toBe(768 * 576);
  });

  it.each([
    [{ ...OUT, width: 0 }, /width/],
    [{ ...OUT, height: 10.5 }, /height/],
    [{ ...OUT, fps: 0 }, /fps/],
    [{ ...OUT, fps: Number.NaN }, /fps/],
  ])('rejects bad output %o naming the field', (out, field) => {
    expect(() => buildFfmpegArgs({ kind: 'file', path: '/a.mp4', loop: false }, out)).toThrow(field);
  });

  it('rejects an empty path, a non-RTSP url and a non-positive timeout', () => {
    expect(() => buildFfmpegArgs({ kind: 'file', path: ' ', loop: false }, OUT)).toThrow(/path is empty/);
    expect(() => buildFfmpegArgs({ kind: 'rtsp', url: 'http://cam/1' }, OUT)).toThrow(/rtsp:\/\//);
    expect(() => buildFfmpegArgs({ kind: 'rtsp', url: 'rtsp://cam/1', ioTimeoutS: 0 }, OUT)).toThrow(/ioTimeoutS/);
  });

  it('does not echo the RTSP url (with its password) in a validation error', () => {
    expect(() => buildFfmpegArgs({ kind: 'rtsp', url: 'http://u:hunter22@cam/1' }, OUT)).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter22') as string }) as Error,
    );
  });
});
