import { request } from 'node:https';
import type { TlsOptions } from './link.js';

/**
 * One HTTPS PUT of a small body, for the hub's one-time snapshot upload URL. The server certificate
 * is checked against the hub's pinned CA when one is configured (else the system's), TLS ≥ 1.2, and
 * the facility's client certificate is presented when it has one; there is no way to skip the check.
 * Resolves with the HTTP status; rejects on network, TLS or timeout errors. Messages name the
 * URL without its query, which holds the one-time token.
 */
export function httpsPut(url: URL, body: Buffer, headers: Record<string, string>, tls: TlsOptions | undefined, timeoutMs: number): Promise<number> {
  const where = `${url.origin}${url.pathname}`;
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'PUT',
      headers: { ...headers, 'content-length': String(body.length) },
      minVersion: 'TLSv1.2',
      ...(tls?.ca && { ca: tls.ca }),
      ...(tls?.cert && tls.key && { cert: tls.cert, key: tls.key }),
      ...(tls?.servername && { servername: tls.servername }),
      timeout: timeoutMs,
    });
    req.on('response', (res) => {
      res.resume(); // the body is not needed; drain it so the socket is freed
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', (e) => reject(new Error(`upload to ${where}: ${e.message}`)));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => reject(new Error(`upload to ${where} failed: ${e.message}`)));
    req.end(body);
  });
}
