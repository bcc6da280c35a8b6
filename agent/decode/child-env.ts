/**
 * The environment an ffmpeg child gets: only what ffmpeg itself reads. Everything else of the agent's
 * environment stays out of it, above all the secrets a config names as `env:NAME` (camera passwords, hub keys):
 * a child's environment is readable in `/proc/<pid>/environ` by its user and survives in core dumps, and
 * ffmpeg has no use for any of it.
 */

/**
 * The variables ffmpeg may use: the program search path, locale and time zone (timestamps in its log lines),
 * and the selection of hardware decoders' drivers (VA-API, VDPAU, CUDA) that `hwaccel` relies on.
 */
export const FFMPEG_ENV_KEYS = [
  'PATH',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'TZ',
  'LIBVA_DRIVER_NAME',
  'LIBVA_DRIVERS_PATH',
  'VDPAU_DRIVER',
  'CUDA_VISIBLE_DEVICES',
] as const;

/** When the agent itself has no PATH (a bare systemd unit sets one, a test may not). */
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/** The clean environment for an ffmpeg child, taken from `from` (the agent's own, by default). */
export function ffmpegEnv(from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of FFMPEG_ENV_KEYS) {
    const v = from[key];
    if (v !== undefined) env[key] = v;
  }
  env.PATH ??= DEFAULT_PATH;
  return env;
}
