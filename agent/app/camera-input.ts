import type { CameraConfig } from '../config/index.js';
import type { FfmpegInput } from '../decode/index.js';
import { CAMERA_BACKOFF, isOnvifError, resolveOnvifStream, type ResolvedOnvifStream } from '../camera/index.js';
import { Backoff } from '../shared/index.js';
import type { Logger } from '../ops/index.js';

/** After a refused login, retry no sooner than this: each retry counts towards the camera's account lockout. */
const AUTH_RETRY_MS = 5 * 60_000;

export interface ResolveHooks {
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Called with a machine-readable reason while the camera cannot be resolved (e.g. `onvif_auth_failed`). */
  readonly onFailure: (reason: string, message: string) => void;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** What an `onvif` source's device said while resolving (for the camera survey). */
  readonly onOnvif?: (facts: OnvifFacts) => void;
}

/** What the agent learnt of an ONVIF camera at its last resolve: the survey's device, profile and clock offset. */
export interface OnvifFacts {
  readonly device: ResolvedOnvifStream['device'] | null;
  readonly profile: ResolvedOnvifStream['profile'] & { readonly role: 'main' | 'sub' };
  readonly clockOffsetMs: number;
}

/**
 * The ffmpeg input of a camera. `file` and `rtsp` sources are direct; an `onvif` source is resolved to its RTSP
 * URI through the device (signed with the camera's own clock), retried with backoff until it works or the agent
 * stops. Returns null when stopped first.
 */
export async function resolveCameraInput(cam: CameraConfig, hooks: ResolveHooks): Promise<FfmpegInput | null> {
  const s = cam.source;
  if (s.kind === 'file') return { kind: 'file', path: s.path, loop: s.loop };
  if (s.kind === 'rtsp') return { kind: 'rtsp', url: s.url, transport: s.transport };
  const backoff = new Backoff(CAMERA_BACKOFF);
  const sleep = hooks.sleep ?? abortableSleep;
  while (!hooks.signal.aborted) {
    try {
      const r = await resolveOnvifStream({ address: s.address, port: s.port, username: s.username, password: s.password, profile: s.profile });
      hooks.logger.info({ stream: r.redactedUrl, profile: r.profile }, 'ONVIF stream resolved');
      hooks.onOnvif?.({ device: r.device ?? null, profile: { ...r.profile, role: s.profile }, clockOffsetMs: r.clockOffsetMs });
      return { kind: 'rtsp', url: r.url, transport: 'tcp' };
    } catch (err) {
      const code = isOnvifError(err) ? err.code : 'error';
      hooks.onFailure(`onvif_${code}`, err instanceof Error ? err.message : String(err));
      const wait = code === 'auth_failed' || code === 'locked' ? Math.max(AUTH_RETRY_MS, backoff.nextDelay()) : backoff.nextDelay();
      await sleep(wait, hooks.signal);
    }
  }
  return null;
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
