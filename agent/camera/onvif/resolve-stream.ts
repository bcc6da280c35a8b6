/**
 * For a camera configured as `source: { onvif: … }`: ask it for the RTSP URI of its main or sub
 * profile, so the capture stage can open it with ffmpeg. Called at each (re)start, because cameras
 * change stream URIs after firmware updates and profile edits.
 */
import type { Clock } from '../../shared/clock.js';
import type { Logger } from '../../ops/index.js';
import { OnvifDevice } from './device.js';
import { chooseProfiles } from './profiles.js';
import type { DeviceInfo, MediaProfile } from './responses.js';
import { checkStreamUri, redactedStreamUri, streamUriWithCredentials } from './stream-uri.js';

export interface OnvifStreamSource {
  readonly address: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly profile: 'main' | 'sub';
}

export interface ResolveOnvifOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly timeoutMs?: number;
}

export interface ResolvedOnvifStream {
  /** With credentials, for ffmpeg only; secret, never log it. */
  readonly url: string;
  /** The same with the password replaced by `***`. */
  readonly redactedUrl: string;
  readonly profile: Pick<MediaProfile, 'name' | 'token' | 'encoding' | 'width' | 'height' | 'fps'>;
  /** GetDeviceInformation (make, model, firmware), for the camera survey; absent when the camera refused it. */
  readonly device?: DeviceInfo;
  /** Camera clock minus this machine's, ms (read at this resolve). */
  readonly clockOffsetMs: number;
}

/** Throws OnvifError (code + one-line message without secrets) when the camera cannot give a usable stream. */
export async function resolveOnvifStream(source: OnvifStreamSource, opts: ResolveOnvifOptions = {}): Promise<ResolvedOnvifStream> {
  const dev = new OnvifDevice({
    address: source.address,
    port: source.port,
    username: source.username,
    password: source.password,
    ...(opts.clock !== undefined && { clock: opts.clock }),
    ...(opts.logger !== undefined && { logger: opts.logger }),
    ...(opts.timeoutMs !== undefined && { timeoutMs: opts.timeoutMs }),
  });
  const clock = await dev.readClock();
  if (Math.abs(clock.offsetMs) > 60_000) {
    opts.logger?.warn({ camera: dev.label, offsetS: Math.round(clock.offsetMs / 1000) }, 'camera clock is off; signing requests in camera time (set NTP on the camera)');
  }
  // For the camera survey only: a camera that will not say what it is still streams.
  const device = await dev.deviceInformation().catch(() => undefined);
  const { usable } = await dev.profiles();
  const choice = chooseProfiles(usable);
  const p = source.profile === 'main' ? choice.main : choice.sub;
  if (choice.subNote !== undefined && source.profile === 'sub') opts.logger?.warn({ camera: dev.label }, choice.subNote);
  const where = `${dev.label} GetStreamUri(${p.token})`;
  const checked = checkStreamUri(await dev.streamUri(p.token), dev.address, where);
  for (const note of checked.notes) opts.logger?.warn({ camera: dev.label }, note);
  return {
    url: streamUriWithCredentials(checked.uri, source.username, source.password, where),
    redactedUrl: redactedStreamUri(checked.uri, source.username),
    profile: { name: p.name, token: p.token, encoding: p.encoding, width: p.width, height: p.height, fps: p.fps },
    ...(device !== undefined && { device }),
    clockOffsetMs: clock.offsetMs,
  };
}
