import { execFile } from 'node:child_process';
import { ffmpegEnv } from './child-env.js';

export interface FfmpegVersion {
  /** As ffmpeg prints it, e.g. `5.1.9-0+deb12u1`. */
  readonly version: string;
  /** Parsed release numbers; null for git builds (`N-12345-g…`), which are assumed new enough. */
  readonly major: number | null;
  readonly minor: number | null;
}

/** Thrown by `checkFfmpeg`; `message` is the one line to show the installer. */
export class FfmpegCheckError extends Error {
  constructor(
    message: string,
    readonly reason: 'missing' | 'not_executable' | 'too_old' | 'unreadable',
  ) {
    super(message);
    this.name = 'FfmpegCheckError';
  }
}

export const MIN_FFMPEG = { major: 4, minor: 4 } as const;
const INSTALL_HINT = 'install it with `apt-get install ffmpeg` (Debian package ffmpeg, 4.4 or newer)';

/**
 * Confirm that a usable ffmpeg is installed (run at startup and by `qmon doctor`). The version
 * matters: 4.4 is the oldest with everything the args builder emits (see ffmpeg-args.ts).
 */
export async function checkFfmpeg(path = 'ffmpeg'): Promise<FfmpegVersion> {
  const stdout = await runVersion(path);
  const m = /^ffmpeg version (\S+)/m.exec(stdout);
  if (!m?.[1]) {
    throw new FfmpegCheckError(`'${path}' did not report an ffmpeg version; ${INSTALL_HINT}`, 'unreadable');
  }
  const version = m[1];
  const nums = /^n?(\d+)\.(\d+)/.exec(version);
  if (!nums) return { version, major: null, minor: null };
  const major = Number(nums[1]);
  const minor = Number(nums[2]);
  if (major < MIN_FFMPEG.major || (major === MIN_FFMPEG.major && minor < MIN_FFMPEG.minor)) {
    throw new FfmpegCheckError(`ffmpeg ${version} at '${path}' is too old; qmon needs 4.4 or newer: ${INSTALL_HINT}`, 'too_old');
  }
  return { version, major, minor };
}

function runVersion(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(path, ['-hide_banner', '-version'], { timeout: 10_000, maxBuffer: 1 << 20, env: ffmpegEnv() }, (err, stdout) => {
      if (!err) return resolve(stdout);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        reject(new FfmpegCheckError(`ffmpeg was not found at '${path}'; ${INSTALL_HINT}`, 'missing'));
      } else if (code === 'EACCES') {
        reject(new FfmpegCheckError(`'${path}' is not executable; ${INSTALL_HINT}`, 'not_executable'));
      } else {
        reject(new FfmpegCheckError(`'${path}' -version failed (${err.message.split('\n')[0]}); ${INSTALL_HINT}`, 'unreadable'));
      }
    });
  });
}
