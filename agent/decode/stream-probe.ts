/**
 * What a camera's own stream is, measured by `ffprobe` over a few seconds of its packets (demuxed, not decoded):
 * codec, resolution, frame rate and bitrate. The agent's decoder cannot tell: its frames come out of ffmpeg's fps and
 * scale filters at the detect rate and size. For the camera survey, run rarely (once a day per camera, one at a time),
 * never on the frame path. The URL must carry no credentials (the caller gives the login forwarder's loopback URL):
 * ffprobe's command line is readable by every local user.
 */
import { execFile } from 'node:child_process';
import type { FfmpegInput } from './ffmpeg-args.js';
import { ffmpegEnv } from './child-env.js';

export interface StreamFacts {
  /** ffmpeg's codec name (`h264`, `hevc`, `mjpeg`). */
  readonly codec: string | null;
  readonly width: number | null;
  readonly height: number | null;
  /** Packets per second over the window (the camera's real rate, not what it announces). */
  readonly fps: number | null;
  readonly bitrateKbps: number | null;
}

export interface StreamProbeOptions {
  readonly ffprobePath?: string;
  /** Seconds of packets read; 5 by default. */
  readonly seconds?: number;
  /** The whole run, connect included; 20 s by default (then the child is killed and the result is null). */
  readonly timeoutMs?: number;
}

/** ffprobe's JSON can only be this big for a few seconds of packets; more is not ffprobe talking. */
const MAX_OUTPUT = 1 << 20;

function inputArg(input: FfmpegInput): string[] {
  if (input.kind === 'file') return [input.path.startsWith('/') ? input.path : `file:${input.path}`];
  const u = new URL(input.url);
  if (u.username !== '' || u.password !== '') throw new Error('probeStream: the URL carries credentials; give the login forwarder\'s URL');
  return ['-rtsp_transport', input.transport ?? 'tcp', input.url];
}

interface ProbeJson {
  streams?: { codec_name?: unknown; width?: unknown; height?: unknown }[];
  packets?: { pts_time?: unknown; dts_time?: unknown; size?: unknown }[];
}

const positiveInt = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);

/** The facts in ffprobe's JSON output; null values for what it did not say. Pure (tested on its own). */
export function streamFactsOf(json: ProbeJson): StreamFacts {
  const s = json.streams?.[0];
  const codec = typeof s?.codec_name === 'string' && /^[A-Za-z0-9_.+-]{1,32}$/.test(s.codec_name) ? s.codec_name : null;
  const packets = (json.packets ?? [])
    .map((p) => ({ t: Number(p.pts_time ?? p.dts_time), size: Number(p.size) }))
    .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.size) && p.size >= 0);
  let fps: number | null = null;
  let bitrateKbps: number | null = null;
  if (packets.length >= 2) {
    const times = packets.map((p) => p.t);
    const span = Math.max(...times) - Math.min(...times);
    if (span > 0) {
      fps = (packets.length - 1) / span;
      // Each packet stands for 1/fps of the stream: n packets cover n/fps seconds.
      const bytes = packets.reduce((a, p) => a + p.size, 0);
      bitrateKbps = (bytes * 8) / ((packets.length / fps) * 1000);
    }
  }
  return { codec, width: positiveInt(s?.width), height: positiveInt(s?.height), fps, bitrateKbps };
}

/** Measures the stream; null when ffprobe fails, times out or says nothing usable (never throws for a camera's fault). */
export function probeStream(input: FfmpegInput, opts: StreamProbeOptions = {}): Promise<StreamFacts | null> {
  const args = [
    '-v', 'error', '-hide_banner',
    '-select_streams', 'v:0',
    '-show_entries', 'stream=codec_name,width,height:packet=size,pts_time,dts_time',
    '-read_intervals', `%+${opts.seconds ?? 5}`,
    '-of', 'json',
    ...inputArg(input),
  ];
  return new Promise((resolve) => {
    execFile(opts.ffprobePath ?? 'ffprobe', args, { timeout: opts.timeoutMs ?? 20_000, maxBuffer: MAX_OUTPUT, env: ffmpegEnv() }, (err, stdout) => {
      if (err) return resolve(null);
      try {
        const facts = streamFactsOf(JSON.parse(stdout) as ProbeJson);
        resolve(facts.codec === null && facts.width === null && facts.fps === null ? null : facts);
      } catch {
        resolve(null);
      }
    });
  });
}
