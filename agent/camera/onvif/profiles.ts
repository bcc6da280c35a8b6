/**
 * Which media profile is the camera's `main` stream and which its `sub` stream. Detection runs at
 * about 768 px, so decoding a 1080p/4K main stream costs CPU for nothing; the sub stream (≤ 720p)
 * is what the agent should open.
 */
import type { MediaProfile } from './responses.js';

export const SUB_MAX_HEIGHT = 720;

const area = (p: MediaProfile): number => p.width * p.height;
/** MJPEG over RTSP works but costs many times the bandwidth of H.264/H.265 at the same size. */
const isVideoCodec = (p: MediaProfile): boolean => /^(H264|H265|HEVC|MPEG4)$/i.test(p.encoding);

export interface ProfileChoice {
  readonly main: MediaProfile;
  readonly sub: MediaProfile;
  /** Set when no profile is ≤ 720p and `sub` is merely the smallest. */
  readonly subNote?: string;
}

/** Main = the largest picture; sub = the largest other profile ≤ 720p (H.264/H.265 preferred). */
export function chooseProfiles(profiles: readonly MediaProfile[]): ProfileChoice {
  const first = profiles[0];
  if (first === undefined) throw new RangeError('chooseProfiles needs at least one profile');
  const main = profiles.reduce((best, p) => (area(p) > area(best) ? p : best), first);
  const small = profiles.filter((p) => p.height <= SUB_MAX_HEIGHT);
  const ranked = [...small].sort((a, b) => Number(isVideoCodec(b)) - Number(isVideoCodec(a)) || area(b) - area(a));
  const sub = ranked.find((p) => p !== main) ?? ranked[0];
  if (sub !== undefined) return { main, sub };
  const smallest = profiles.reduce((best, p) => (area(p) < area(best) ? p : best), first);
  return { main, sub: smallest, subNote: `no profile is ${SUB_MAX_HEIGHT}p or smaller; the smallest (${smallest.width}x${smallest.height}) stands in as sub` };
}

export function roleOf(choice: ProfileChoice, p: MediaProfile): 'main' | 'sub' | 'main+sub' | null {
  if (p === choice.main && p === choice.sub) return 'main+sub';
  if (p === choice.main) return 'main';
  if (p === choice.sub) return 'sub';
  return null;
}
