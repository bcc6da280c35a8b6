/**
 * One ONVIF device (Profile S, media service ver10) and the calls the agent needs, in the order that
 * makes authentication work on cameras with wrong clocks: the unauthenticated GetSystemDateAndTime
 * first, whose offset then dates every WS-UsernameToken.
 */
import { systemClock, type Clock } from '../../shared/clock.js';
import { silentLogger, type Logger } from '../../ops/index.js';
import { isOnvifError, OnvifError } from './errors.js';
import { readDeviceInformation, readMediaXAddr, readProfiles, readStreamUri, readSystemDateAndTime, type DeviceInfo, type MediaProfile } from './responses.js';
import { SoapClient } from './soap-client.js';
import { NS, xmlEscape } from './ws-security.js';

export const DEFAULT_DEVICE_PATH = '/onvif/device_service';
export const DEFAULT_TIMEOUT_MS = 5000;
/** GetProfiles of a many-channel NVR is a few hundred KB; anything near this is not a camera being honest. */
export const DEFAULT_MAX_REPLY_BYTES = 2 * 1024 * 1024;

export interface OnvifDeviceOptions {
  readonly address: string;
  readonly port?: number;
  /** Device service path; `/onvif/device_service` unless discovery said otherwise. */
  readonly path?: string;
  readonly username?: string;
  readonly password?: string;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Deadline for each call, whole reply included. */
  readonly timeoutMs?: number;
  readonly maxReplyBytes?: number;
}

export interface CameraClock {
  /** Camera clock minus this machine's clock, ms (positive: the camera is ahead). */
  readonly offsetMs: number;
  /** `local` when the camera only gave its local time (then the offset includes its time zone). */
  readonly source: 'utc' | 'local';
  readonly ntp: boolean;
}

function hostForUrl(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

export class OnvifDevice {
  readonly address: string;
  readonly port: number;
  readonly deviceUrl: URL;
  private readonly client: SoapClient;
  private readonly clock: Clock;
  private media: URL | undefined;

  constructor(opts: OnvifDeviceOptions) {
    this.address = opts.address;
    this.port = opts.port ?? 80;
    this.clock = opts.clock ?? systemClock;
    this.deviceUrl = new URL(`http://${hostForUrl(opts.address)}:${this.port}${opts.path ?? DEFAULT_DEVICE_PATH}`);
    this.client = new SoapClient({
      label: `${hostForUrl(opts.address)}:${this.port}`,
      ...(opts.username !== undefined && { username: opts.username }),
      ...(opts.password !== undefined && { password: opts.password }),
      clock: this.clock,
      timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxBytes: opts.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES,
      logger: opts.logger ?? silentLogger(),
    });
  }

  get label(): string {
    return this.client.label;
  }

  get hasCredentials(): boolean {
    return this.client.hasCredentials;
  }

  /**
   * Reads the camera's clock and signs every later request in camera time. ONVIF makes this call
   * pre-authentication; a few firmwares (Panasonic, some Digital Barriers) still demand a login, so
   * on a refusal it is repeated signed with the local clock, which works when the clocks agree.
   */
  async readClock(): Promise<CameraClock> {
    try {
      return await this.readClockOnce(false);
    } catch (e) {
      if (!isOnvifError(e, 'auth_failed') || !this.hasCredentials) throw e;
      return this.readClockOnce(true);
    }
  }

  private async readClockOnce(auth: boolean): Promise<CameraClock> {
    const before = this.clock.wall();
    const res = await this.client.call({ url: this.deviceUrl, op: 'GetSystemDateAndTime', ns: NS.device, body: '<tds:GetSystemDateAndTime/>', auth });
    const after = this.clock.wall();
    const t = readSystemDateAndTime(res, `${this.label} GetSystemDateAndTime`);
    // The camera read its clock somewhere during the round trip (the midpoint halves that error) and
    // reports whole seconds, truncated: its real time was on average half a second later.
    const offsetMs = Math.round(t.cameraMs + 500 - (before + after) / 2);
    this.client.offsetMs = offsetMs;
    return { offsetMs, source: t.source, ntp: t.ntp };
  }

  async deviceInformation(): Promise<DeviceInfo> {
    const res = await this.client.call({ url: this.deviceUrl, op: 'GetDeviceInformation', ns: NS.device, body: '<tds:GetDeviceInformation/>', auth: true });
    return readDeviceInformation(res, `${this.label} GetDeviceInformation`);
  }

  /**
   * Media service address. The host in it is often the camera's idea of itself (wrong behind NAT or
   * after an IP change), so only its port and path are used, with the address we reached it at.
   */
  async mediaUrl(): Promise<URL> {
    if (this.media) return this.media;
    let xaddr: string | undefined;
    try {
      const res = await this.client.call({
        url: this.deviceUrl,
        op: 'GetCapabilities',
        ns: NS.device,
        body: '<tds:GetCapabilities><tds:Category>Media</tds:Category></tds:GetCapabilities>',
        auth: true,
      });
      xaddr = readMediaXAddr(res, `${this.label} GetCapabilities`);
    } catch (e) {
      // Cameras without GetCapabilities serve media at the device address; every other failure is real.
      if (!isOnvifError(e, 'fault')) throw e;
    }
    let url = this.deviceUrl;
    if (xaddr !== undefined) {
      try {
        const given = new URL(xaddr);
        url = new URL(`http://${hostForUrl(this.address)}:${given.port || this.port}${given.pathname}`);
      } catch {
        throw new OnvifError('bad_response', `${this.label} GetCapabilities`, 'Media.XAddr is not a URL');
      }
    }
    this.media = url;
    return url;
  }

  async profiles(): Promise<{ usable: MediaProfile[]; skipped: string[] }> {
    const url = await this.mediaUrl();
    const res = await this.client.call({ url, op: 'GetProfiles', ns: NS.media, body: '<trt:GetProfiles/>', auth: true });
    const out = readProfiles(res, `${this.label} GetProfiles`);
    if (out.usable.length === 0) {
      const why = out.skipped.length === 0 ? 'the camera has no media profiles' : `no profile with a usable video stream (${out.skipped.join('; ')})`;
      throw new OnvifError('no_media_profile', `${this.label} GetProfiles`, why);
    }
    return out;
  }

  /** The RTSP URI as the camera gives it (checked separately by stream-uri.ts). */
  async streamUri(profileToken: string): Promise<string> {
    const url = await this.mediaUrl();
    const body =
      '<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>' +
      `<trt:ProfileToken>${xmlEscape(profileToken)}</trt:ProfileToken></trt:GetStreamUri>`;
    const res = await this.client.call({ url, op: 'GetStreamUri', ns: NS.media, body, auth: true });
    return readStreamUri(res, `${this.label} GetStreamUri`);
  }
}
