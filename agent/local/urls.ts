import type { LocalConfig } from '../config/index.js';

const WILDCARD = new Set(['0.0.0.0', '::']);

const hostPart = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/**
 * The dashboard's address as the agent prints it: scheme, listen host and port (`port` is the bound one when the
 * config says 0). A wildcard listen answers only the names host-check.ts allows: the first of `local.public_hosts`,
 * else 127.0.0.1 (a browser sent to 0.0.0.0 or a bare LAN address would be refused).
 */
export function dashboardUrl(local: LocalConfig, port: number = local.port): string {
  const scheme = local.tls === 'off' ? 'http' : 'https';
  const host = WILDCARD.has(local.host) ? hostPart(local.public_hosts[0] ?? '127.0.0.1') : hostPart(local.host);
  return `${scheme}://${host}:${port}/`;
}

/**
 * Where a client on this machine reaches `/metrics` and `/healthz`: the loopback listener (`local.metrics_listen`)
 * when there is one, else the dashboard listener itself at a loopback address (it answers on 127.0.0.1 then).
 * Null while the port is 0 (any free port: only the running agent knows it).
 */
export function machineUrl(local: LocalConfig): { url: string; tls: boolean } | null {
  const m = local.metrics_listen;
  if (m !== undefined) return m.port === 0 ? null : { url: `http://${hostPart(m.host)}:${m.port}/`, tls: false };
  if (local.port === 0) return null;
  const host = WILDCARD.has(local.host) || local.host === 'localhost' ? '127.0.0.1' : local.host;
  const tls = local.tls !== 'off';
  return { url: `${tls ? 'https' : 'http'}://${hostPart(host)}:${local.port}/`, tls };
}
