import { connect as netConnect } from 'node:net';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import { EMBEDDED_HUB_WARNING, type HubConfig } from '../../config/index.js';
import { fail, ok, warn, type CheckResult } from './check.js';

/** Certificates closer than this to their end are a warning: someone must renew them before the uplink stops. */
export const CERT_WARN_DAYS = 30;
const DAY_MS = 86_400_000;

/** The hub answers on its port; over mqtts, its certificate verifies against the configured CA and is not about to expire. */
export async function hubCheck(hub: HubConfig, opts: { timeoutMs?: number; now?: number } = {}): Promise<CheckResult> {
  const name = 'hub';
  // A box that reports to nobody must not look healthy: the embedded hub is the demo's.
  if (hub.mode === 'embedded') return warn(name, EMBEDDED_HUB_WARNING, "set hub.url to the provincial hub's mqtts:// URL with hub.ca (ask the hub operator)");
  const host = hub.host ?? '';
  const port = hub.port ?? (hub.mode === 'mqtts' ? 8883 : 1883);
  const where = `${host}:${port}`;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  if (hub.mode === 'mqtt') {
    const err = await tcpReach(host, port, timeoutMs);
    return err ? fail(name, `${where} not reachable: ${err}`, `check the network/firewall to ${where} and hub.url`) : warn(name, `${where} reachable, without TLS`, 'use mqtts:// with a CA (hub.ca) outside a test lab');
  }
  const tls = hub.tls;
  if (!tls) return fail(name, 'mqtts without TLS material', 'set hub.ca (and hub.cert/hub.key for client certificates)');
  const r = await tlsPeer(host, port, { ca: tls.ca, ...(tls.cert !== undefined && { cert: tls.cert }), ...(tls.key !== undefined && { key: tls.key }) }, timeoutMs);
  if ('error' in r) return fail(name, `${where} not reachable over TLS: ${r.error}`, `check the network/firewall to ${where}, hub.url and the client certificate`);
  const validTo = Date.parse(r.cert.valid_to);
  const days = Math.floor((validTo - (opts.now ?? Date.now())) / DAY_MS);
  const expiry = `certificate of ${String(r.cert.subject?.CN ?? host)} valid until ${new Date(validTo).toISOString().slice(0, 10)} (${days} day(s))`;
  const renew = 'renew the hub\'s certificate (ask the provincial hub operator)';
  if (r.authError) return fail(name, `${where}: TLS certificate refused (${r.authError}); ${expiry}`, r.authError === 'CERT_HAS_EXPIRED' ? renew : 'hub.ca must be the CA that signed the hub\'s certificate, and hub.url its name');
  if (days < CERT_WARN_DAYS) return warn(name, `${where} reachable over TLS; ${expiry}`, renew);
  return ok(name, `${where} reachable over TLS; ${expiry}`);
}

function tcpReach(host: string, port: number, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const s = netConnect({ host, port, timeout: timeoutMs });
    s.once('connect', () => {
      s.destroy();
      resolve(null);
    });
    s.once('timeout', () => {
      s.destroy();
      resolve(`no answer within ${timeoutMs} ms`);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

type TlsPeer = { cert: PeerCertificate; authError: string | null } | { error: string };

/** Handshakes without rejecting, so an expired or foreign certificate can still be described. */
function tlsPeer(host: string, port: number, creds: { ca: string; cert?: string; key?: string }, timeoutMs: number): Promise<TlsPeer> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host, port, servername: host, ...creds, rejectUnauthorized: false, timeout: timeoutMs });
    s.once('secureConnect', () => {
      const cert = s.getPeerCertificate();
      const authError = s.authorized ? null : String(s.authorizationError);
      s.destroy();
      resolve({ cert, authError });
    });
    s.once('timeout', () => {
      s.destroy();
      resolve({ error: `no TLS answer within ${timeoutMs} ms` });
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}
