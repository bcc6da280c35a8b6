/**
 * HTTP Digest authentication (RFC 7616, MD5 and SHA-256, qop=auth). Some cameras refuse
 * WS-UsernameToken and ask for HTTP Digest with a 401 instead; ONVIF Core §5.9.1 allows either.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly qop?: string;
  readonly opaque?: string;
  readonly algorithm: 'MD5' | 'SHA-256';
}

function params(header: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (let m = re.exec(header); m !== null; m = re.exec(header)) out.set(m[1]!.toLowerCase(), m[2] ?? m[3] ?? '');
  return out;
}

/** The strongest usable Digest challenge among WWW-Authenticate values, or undefined. */
export function pickDigestChallenge(values: readonly string[]): DigestChallenge | undefined {
  let best: DigestChallenge | undefined;
  for (const v of values) {
    if (!/^\s*Digest\s/i.test(v) || v.length > 2000) continue;
    const p = params(v.replace(/^\s*Digest\s+/i, ''));
    const realm = p.get('realm');
    const nonce = p.get('nonce');
    const alg = (p.get('algorithm') ?? 'MD5').toUpperCase();
    if (realm === undefined || nonce === undefined || (alg !== 'MD5' && alg !== 'SHA-256')) continue;
    const qopOffer = p.get('qop');
    const c: DigestChallenge = {
      realm,
      nonce,
      algorithm: alg,
      ...(qopOffer !== undefined && { qop: qopOffer.split(',').map((q) => q.trim()).includes('auth') ? 'auth' : qopOffer }),
      ...(p.has('opaque') && { opaque: p.get('opaque') }),
    };
    if (best === undefined || (c.algorithm === 'SHA-256' && best.algorithm === 'MD5')) best = c;
  }
  return best;
}

export function digestAuthorization(
  c: DigestChallenge,
  username: string,
  password: string,
  method: string,
  uri: string,
  nc = 1,
  cnonce = randomBytes(8).toString('hex'),
): string {
  const h = (s: string): string => createHash(c.algorithm === 'MD5' ? 'md5' : 'sha256').update(s, 'utf8').digest('hex');
  const ha1 = h(`${username}:${c.realm}:${password}`);
  const ha2 = h(`${method}:${uri}`);
  const q = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`;
  const parts = [`username=${q(username)}`, `realm=${q(c.realm)}`, `nonce=${q(c.nonce)}`, `uri=${q(uri)}`, `algorithm=${c.algorithm}`];
  if (c.qop === 'auth') {
    const ncs = nc.toString(16).padStart(8, '0');
    parts.push(`qop=auth`, `nc=${ncs}`, `cnonce=${q(cnonce)}`, `response=${q(h(`${ha1}:${c.nonce}:${ncs}:${cnonce}:auth:${ha2}`))}`);
  } else {
    parts.push(`response=${q(h(`${ha1}:${c.nonce}:${ha2}`))}`);
  }
  if (c.opaque !== undefined) parts.push(`opaque=${q(c.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}
