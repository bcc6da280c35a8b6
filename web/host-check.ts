import { isIP } from 'node:net';

/**
 * The `Host` header values the dashboard answers to (DNS-rebinding defence: a page on evil.example that resolves
 * to this machine sends `Host: evil.example`, and is refused). Allowed: the listen address itself, the loopback
 * names when listening on loopback or on every interface, and the configured public host names; always with the
 * listen port (browsers omit :443 / :80, so those default ports are accepted bare too).
 */
export function allowedHosts(listenHost: string, port: number, publicHosts: readonly string[], tls: boolean): Set<string> {
  const names = new Set<string>();
  const add = (h: string): void => {
    const host = isIP(h) === 6 && !h.startsWith('[') ? `[${h}]` : h;
    names.add(`${host}:${port}`.toLowerCase());
    if ((tls && port === 443) || (!tls && port === 80)) names.add(host.toLowerCase());
  };
  const wildcard = listenHost === '0.0.0.0' || listenHost === '::';
  if (!wildcard) add(listenHost);
  if (wildcard || listenHost === 'localhost' || listenHost.startsWith('127.') || listenHost === '::1') {
    for (const h of ['localhost', '127.0.0.1', '::1']) add(h);
  }
  for (const h of publicHosts) add(h);
  return names;
}

export function hostAllowed(allowed: ReadonlySet<string>, header: string | undefined): boolean {
  return header !== undefined && allowed.has(header.toLowerCase());
}

/** An `Origin` header (state changes) must name an allowed host; absent is fine (not every client sends it). */
export function originAllowed(allowed: ReadonlySet<string>, origin: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    const u = new URL(origin);
    return allowed.has(u.host.toLowerCase());
  } catch {
    return false;
  }
}
