import { checkFfmpeg, FfmpegCheckError } from '../../decode/index.js';
import { fail, ok, type CheckResult } from './check.js';

/** ffmpeg present, runnable and new enough (the agent's own startup check). */
export async function ffmpegCheck(path = 'ffmpeg'): Promise<{ result: CheckResult; major?: number }> {
  try {
    const v = await checkFfmpeg(path);
    return { result: ok('ffmpeg', `version ${v.version}`), ...(v.major !== null && { major: v.major }) };
  } catch (e) {
    if (e instanceof FfmpegCheckError) return { result: fail('ffmpeg', e.message, 'apt-get install ffmpeg') };
    throw e;
  }
}
