import type { PixelFormat } from '../shared/types.js';
import { hwaccelArgs, type HwAccel } from './hwaccel.js';

/** Where the pictures come from. `file` is for the demo and tests; `rtsp` is a real camera. */
export type FfmpegInput =
  | {
      readonly kind: 'file';
      readonly path: string;
      readonly loop: boolean;
      /**
       * Play at the clip's own speed (`-re`), like a camera would. Default true; benchmarks that
       * measure bare decode cost turn it off.
       */
      readonly realtime?: boolean;
    }
  | {
      readonly kind: 'rtsp';
      /** May carry `user:pass@`; it is passed to ffmpeg as is and redacted everywhere else. */
      readonly url: string;
      /** TCP by default: most cameras sit behind NATs/firewalls that drop RTP over UDP. */
      readonly transport?: 'tcp' | 'udp';
      /** Socket I/O timeout; ffmpeg gives up (and the supervisor restarts it) after this. Default 10 s. */
      readonly ioTimeoutS?: number;
    };

/** What the pipeline wants: the camera's detect size and rate. */
export interface FfmpegOutput {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** Default `rgb24`. */
  readonly format?: PixelFormat;
}

export interface FfmpegArgsOptions {
  /**
   * Major version of the ffmpeg that will run these args (from `checkFfmpeg`). Matters for RTSP:
   * before 5.0 the socket timeout was `-stimeout` and `-timeout` meant *listen* timeout (which
   * would turn the client into a server). Default 5.
   */
  readonly ffmpegMajor?: number;
  /** Hardware decode; `none` (software) by default. See hwaccel.ts. */
  readonly hwaccel?: HwAccel;
  /** DRM render node for `vaapi`/`qsv`; the first one by default. */
  readonly hwaccelDevice?: string;
}

export const DEFAULT_RTSP_IO_TIMEOUT_S = 10;

const CHANNELS: Record<PixelFormat, number> = { rgb24: 3, gray: 1 };

/** Bytes of one raw frame as ffmpeg writes it (tightly packed rows). */
export function frameByteLength(width: number, height: number, format: PixelFormat = 'rgb24'): number {
  return width * height * CHANNELS[format];
}

/**
 * The full ffmpeg argument list (without the program name) for decoding `input` into raw frames
 * of `output` on stdout. Throws a RangeError naming the bad field on nonsense input.
 */
export function buildFfmpegArgs(input: FfmpegInput, output: FfmpegOutput, opts: FfmpegArgsOptions = {}): string[] {
  validateOutput(output);
  return [
    // -nostdin: ffmpeg would otherwise read keystrokes from our stdin ('q' quits) and can stop on SIGTTIN.
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error',
    // One thread per camera for decoding and filters: the agent runs one ffmpeg per camera and many cameras per core,
    // so frame threads only add hand-offs. Measured (ffmpeg 5.1, 30 s of 720p25 H.264 to 5 fps 768x432 RGB): 1.52 s
    // CPU with ffmpeg's default threads, 1.13 s with these.
    '-filter_threads', '1',
    ...hwaccelArgs(opts.hwaccel ?? 'none', opts.hwaccelDevice),
    '-threads', '1',
    ...inputArgs(input, opts.ffmpegMajor ?? 5),
    ...outputArgs(output),
  ];
}

function inputArgs(input: FfmpegInput, ffmpegMajor: number): string[] {
  if (input.kind === 'file') {
    if (typeof input.path !== 'string' || input.path.trim() === '') {
      throw new RangeError('ffmpeg input: file path is empty');
    }
    return [
      ...(input.realtime === false ? [] : ['-re']),
      ...(input.loop ? ['-stream_loop', '-1'] : []),
      // `file:` stops ffmpeg from reading a path like `rtsp:x` or `concat:a|b` as a protocol.
      '-i', input.path.startsWith('/') ? input.path : `file:${input.path}`,
    ];
  }
  if (!/^rtsps?:\/\//i.test(input.url)) {
    throw new RangeError('ffmpeg input: rtsp url must start with rtsp:// or rtsps://');
  }
  const timeoutS = input.ioTimeoutS ?? DEFAULT_RTSP_IO_TIMEOUT_S;
  if (!(timeoutS > 0) || !Number.isFinite(timeoutS)) {
    throw new RangeError(`ffmpeg input: ioTimeoutS must be a positive number of seconds (got ${timeoutS})`);
  }
  const timeoutUs = String(Math.round(timeoutS * 1_000_000));
  return [
    '-rtsp_transport', input.transport ?? 'tcp',
    ffmpegMajor >= 5 ? '-timeout' : '-stimeout', timeoutUs,
    // Do not buffer input for probing/smoothing: we want the newest picture, not a smooth one.
    '-fflags', 'nobuffer',
    '-flags', 'low_delay',
    '-i', input.url,
  ];
}

function outputArgs(output: FfmpegOutput): string[] {
  const format = output.format ?? 'rgb24';
  // fps before scale so the scaler only sees the frames that survive rate reduction (a 25 fps camera
  // at 5 detect-fps scales 5 pictures a second, not 25). `fps` keeps a constant rate: after a gap
  // in a live stream it repeats the last picture to fill it; the latest-wins hand-off swallows that
  // short burst. Bilinear is plenty for a detector input and cheaper than the default bicubic.
  // Resize in YUV first, then convert the small picture to RGB: swscale's combined scale+RGB path
  // is its slow generic one, while planar resize and same-size YUV→RGB both have fast paths. On a
  // 720p25 stream at 5 fps this cut ffmpeg's cost over bare decoding from ~+25 % to ~+8 % (measured
  // here, ffmpeg 5.1); the price is chroma at half the detect size, which a person detector does
  // not notice. yuvj420p (full range, common in IP cameras) passes through unconverted.
  const vf =
    `fps=${output.fps},scale=${output.width}:${output.height}:flags=bilinear,` +
    `format=yuv420p|yuvj420p,scale=flags=bilinear,format=${format}`;
  return [
    '-an', '-sn', '-dn',
    '-vf', vf,
    '-pix_fmt', format,
    '-f', 'rawvideo',
    'pipe:1',
  ];
}

function validateOutput(o: FfmpegOutput): void {
  for (const key of ['width', 'height'] as const) {
    const v = o[key];
    if (!Number.isInteger(v) || v < 2 || v > 8192) {
      throw new RangeError(`ffmpeg output: ${key} must be an integer between 2 and 8192 (got ${v})`);
    }
  }
  if (!(o.fps > 0) || o.fps > 120 || !Number.isFinite(o.fps)) {
    throw new RangeError(`ffmpeg output: fps must be > 0 and <= 120 (got ${o.fps})`);
  }
  if (o.format !== undefined && !(o.format in CHANNELS)) {
    throw new RangeError(`ffmpeg output: format must be rgb24 or gray (got ${String(o.format)})`);
  }
}
