/**
 * WS-Security UsernameToken with PasswordDigest (OASIS UsernameToken Profile 1.0, ONVIF Core §5.12):
 * digest = Base64(SHA1(nonce + created + password)). `created` must be in the *camera's* time: many
 * cameras reject a token whose Created is more than a few seconds from their own clock, and camera
 * clocks are often hours off after a power cut. Callers pass the camera time (local time + offset).
 */
import { createHash, randomBytes } from 'node:crypto';

export const NS = {
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  device: 'http://www.onvif.org/ver10/device/wsdl',
  media: 'http://www.onvif.org/ver10/media/wsdl',
  schema: 'http://www.onvif.org/ver10/schema',
} as const;

const PASSWORD_DIGEST = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
const BASE64_BINARY = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

/** Escapes text for element content and attribute values. */
export function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}

/** `2026-01-01T08:00:00.000Z` for a camera-time instant in epoch ms. */
export function wsuTimestamp(cameraMs: number): string {
  return new Date(Math.round(cameraMs)).toISOString();
}

/** The <wsse:Security> header block, signed at `cameraMs` (camera time). */
export function usernameToken(username: string, password: string, cameraMs: number, nonce: Buffer = randomBytes(16)): string {
  const created = wsuTimestamp(cameraMs);
  return (
    `<wsse:Security s:mustUnderstand="1" xmlns:wsse="${NS.wsse}" xmlns:wsu="${NS.wsu}">` +
    `<wsse:UsernameToken><wsse:Username>${xmlEscape(username)}</wsse:Username>` +
    `<wsse:Password Type="${PASSWORD_DIGEST}">${passwordDigest(nonce, created, password)}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${BASE64_BINARY}">${nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`
  );
}

/** A SOAP 1.2 envelope around one request body element, with an optional Security header. */
export function envelope(body: string, security?: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>` +
    `<s:Envelope xmlns:s="${NS.soap12}" xmlns:tds="${NS.device}" xmlns:trt="${NS.media}" xmlns:tt="${NS.schema}">` +
    `<s:Header>${security ?? ''}</s:Header><s:Body>${body}</s:Body></s:Envelope>`
  );
}
