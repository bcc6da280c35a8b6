/**
 * Reads the replies of the ONVIF calls the agent uses into plain values. Cameras omit and mangle
 * fields; each reader says which field is missing or wrong instead of failing somewhere later.
 */
import { OnvifError } from './errors.js';
import { child, childrenNamed, descend, textAt, type XmlElement } from './xml.js';

export interface DeviceInfo {
  readonly manufacturer?: string;
  readonly model?: string;
  readonly firmwareVersion?: string;
  readonly serialNumber?: string;
  readonly hardwareId?: string;
}

export interface MediaProfile {
  readonly name: string;
  readonly token: string;
  /** `H264`, `H265`, `JPEG`, `MPEG4` as the camera names it. */
  readonly encoding: string;
  readonly width: number;
  readonly height: number;
  /** Frame-rate limit of the encoder; null when the camera does not say. */
  readonly fps: number | null;
}

/** Camera-supplied text for tables and config comments: printable, one line, bounded (no terminal escapes). */
export function printable(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim().slice(0, max);
}

function expectElement(el: XmlElement, name: string, where: string): void {
  if (el.name !== name) throw new OnvifError('bad_response', where, `expected <${name}>, got <${el.name.slice(0, 40)}>`);
}

function int(el: XmlElement | undefined, path: string[], where: string, min: number, max: number): number {
  const t = textAt(el, ...path);
  if (t === undefined) throw new OnvifError('bad_response', where, `missing ${path.join('.')}`);
  const n = Number(t);
  if (!Number.isInteger(n) || n < min || n > max) throw new OnvifError('bad_response', where, `${path.join('.')} is not a number from ${min} to ${max}`);
  return n;
}

/** Camera time (epoch ms) from GetSystemDateAndTimeResponse; UTC when given, else the local time as if it were UTC. */
export function readSystemDateAndTime(res: XmlElement, where: string): { cameraMs: number; source: 'utc' | 'local'; ntp: boolean } {
  expectElement(res, 'GetSystemDateAndTimeResponse', where);
  const sdt = child(res, 'SystemDateAndTime');
  if (!sdt) throw new OnvifError('bad_response', where, 'missing SystemDateAndTime');
  const utc = child(sdt, 'UTCDateTime');
  const local = child(sdt, 'LocalDateTime');
  const dt = utc ?? local;
  if (!dt) throw new OnvifError('bad_response', where, 'neither UTCDateTime nor LocalDateTime given');
  const ms = Date.UTC(
    int(dt, ['Date', 'Year'], where, 1970, 2200),
    int(dt, ['Date', 'Month'], where, 1, 12) - 1,
    int(dt, ['Date', 'Day'], where, 1, 31),
    int(dt, ['Time', 'Hour'], where, 0, 23),
    int(dt, ['Time', 'Minute'], where, 0, 59),
    int(dt, ['Time', 'Second'], where, 0, 60),
  );
  return { cameraMs: ms, source: utc ? 'utc' : 'local', ntp: textAt(sdt, 'DateTimeType')?.toUpperCase() === 'NTP' };
}

export function readDeviceInformation(res: XmlElement, where: string): DeviceInfo {
  expectElement(res, 'GetDeviceInformationResponse', where);
  const pick = (name: string): string | undefined => {
    const t = textAt(res, name);
    return t === undefined ? undefined : printable(t, 128) || undefined;
  };
  const info: DeviceInfo = {
    manufacturer: pick('Manufacturer'),
    model: pick('Model'),
    firmwareVersion: pick('FirmwareVersion'),
    serialNumber: pick('SerialNumber'),
    hardwareId: pick('HardwareId'),
  };
  return Object.fromEntries(Object.entries(info).filter(([, v]) => v !== undefined));
}

/** Media service address from GetCapabilitiesResponse, or undefined when the camera lists none. */
export function readMediaXAddr(res: XmlElement, where: string): string | undefined {
  expectElement(res, 'GetCapabilitiesResponse', where);
  return textAt(res, 'Capabilities', 'Media', 'XAddr');
}

/** Profiles with a usable video encoder, and one line per profile left out saying why. */
export function readProfiles(res: XmlElement, where: string): { usable: MediaProfile[]; skipped: string[] } {
  expectElement(res, 'GetProfilesResponse', where);
  const usable: MediaProfile[] = [];
  const skipped: string[] = [];
  for (const [i, p] of childrenNamed(res, 'Profiles').entries()) {
    const token = p.attrs.token?.trim();
    const name = printable(textAt(p, 'Name') ?? token ?? `#${i + 1}`, 64);
    const vec = child(p, 'VideoEncoderConfiguration');
    if (!token || token.length > 64) {
      skipped.push(`${name}: ${token ? 'profile token longer than 64 characters' : 'no profile token'}`);
      continue;
    }
    if (!vec) {
      skipped.push(`${name}: no video encoder (audio or metadata only)`);
      continue;
    }
    const encoding = printable(textAt(vec, 'Encoding') ?? '', 16);
    const w = Number(textAt(vec, 'Resolution', 'Width'));
    const h = Number(textAt(vec, 'Resolution', 'Height'));
    if (!encoding) {
      skipped.push(`${name}: missing VideoEncoderConfiguration.Encoding`);
      continue;
    }
    if (!Number.isInteger(w) || !Number.isInteger(h) || w < 16 || h < 16 || w > 16384 || h > 16384) {
      skipped.push(`${name}: missing or invalid VideoEncoderConfiguration.Resolution`);
      continue;
    }
    const fpsText = textAt(descend(vec, 'RateControl'), 'FrameRateLimit');
    const fps = fpsText === undefined ? null : Number(fpsText);
    usable.push({ name, token, encoding, width: w, height: h, fps: fps !== null && Number.isFinite(fps) && fps > 0 && fps <= 240 ? fps : null });
  }
  return { usable, skipped };
}

export function readStreamUri(res: XmlElement, where: string): string {
  expectElement(res, 'GetStreamUriResponse', where);
  const uri = textAt(res, 'MediaUri', 'Uri');
  if (uri === undefined) throw new OnvifError('bad_stream_uri', where, 'GetStreamUri returned no MediaUri.Uri');
  return uri;
}
