import { timingSafeEqual, createHash } from 'node:crypto';
import { isIP } from 'node:net';

/**
 * Who may read `GET /metrics` without a dashboard session: a scraper on this machine (loopback address), or one
 * that sends `Authorization: Bearer <local.metrics_token>`. Anyone else gets 401: the metrics name cameras and
 * tell when the site is blind, which is not for whoever shares the LAN.
 */
export function metricsAllowed(remoteAddress: string | undefined, authorization: string | undefined, token: string | undefined): boolean {
  if (remoteAddress !== undefined && isLoopbackAddress(remoteAddress)) return true;
  if (token === undefined || authorization === undefined) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!m) return false;
  // Hashing first makes both sides the same length, so the comparison is constant-time whatever was sent.
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(m[1]!), digest(token));
}

/** 127.0.0.0/8, ::1, and IPv4 loopback written as an IPv4-mapped IPv6 address (a dual-stack listener's view). */
export function isLoopbackAddress(address: string): boolean {
  const a = address.toLowerCase();
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return isIP(a) === 6 && (a === '::1' || a === '0:0:0:0:0:0:0:1');
}
