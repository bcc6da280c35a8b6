/**
 * What the dashboard serves to this machine rather than to a browser: `GET /metrics` (Prometheus text) and
 * `GET /healthz` (is the agent up, and what is wrong with it: `qmon doctor` reads it). No session; only a loopback
 * client or one with `Authorization: Bearer <local.metrics_token>`. Served on the dashboard listener and on the
 * loopback listener (`local.metrics_listen`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isoMs } from '../../contract/index.js';
import type { CameraStateView, Deps } from './context.js';
import { HttpError, sendJson } from '../../web/index.js';
import { metricsAllowed } from './metrics-access.js';

export type CameraCounts = Record<CameraStateView['state'], number>;

/** Enabled cameras by state (`starting` until the supervisor said something), disabled ones apart. */
export function cameraCounts(d: Deps): CameraCounts {
  const counts: CameraCounts = { online: 0, degraded: 0, offline: 0, disabled: 0, starting: 0 };
  for (const c of d.opts.cameras) counts[c.enabled ? (d.opts.cameraState?.(c.id)?.state ?? 'starting') : 'disabled']++;
  return counts;
}

/** The answer of `GET /healthz`; `problems` lists, in words, whatever makes `healthy` false. */
export interface MachineHealth {
  readonly agent: 'qmon';
  readonly version: string;
  readonly facility: string;
  readonly now: string;
  readonly dashboard: string;
  readonly healthy: boolean;
  readonly problems: readonly string[];
  readonly cameras: CameraCounts;
  readonly uplink: { readonly connected: boolean; readonly backlog: number } | null;
}

export function machineHealth(d: Deps, dashboardUrl: string): MachineHealth {
  const problems: string[] = [];
  for (const c of d.opts.cameras) {
    const s = c.enabled ? d.opts.cameraState?.(c.id) : null;
    if (s && (s.state === 'offline' || s.state === 'degraded')) problems.push(`camera ${c.id} ${s.state}${s.reason ? `: ${s.reason}` : ''}`);
  }
  const h = d.opts.health?.();
  for (const c of h?.detection ?? []) {
    if (c.slowedToFps !== null) problems.push(`camera ${c.id} slowed to ${c.slowedToFps} of ${c.configuredFps} detect-fps (overload: the box cannot carry every camera)`);
  }
  if (h && !h.uplink.connected) problems.push(`not connected to the hub (${h.uplink.backlog} alert revision(s) waiting on disk)`);
  if (h && h.diskFreeMb !== null && h.diskFreeMb < h.minFreeMb) problems.push(`disk: ${h.diskFreeMb} MB free, below storage.min_free_mb ${h.minFreeMb}`);
  return {
    agent: 'qmon',
    version: d.opts.version,
    facility: d.opts.facility.id,
    now: isoMs(d.opts.clock.wall()),
    dashboard: dashboardUrl,
    healthy: problems.length === 0,
    problems,
    cameras: cameraCounts(d),
    uplink: h ? { connected: h.uplink.connected, backlog: h.uplink.backlog } : null,
  };
}

function allowed(req: IncomingMessage, d: Deps): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed', { Allow: 'GET, HEAD' });
  if (!metricsAllowed(req.socket.remoteAddress, req.headers.authorization, d.opts.config.metrics_token)) {
    throw new HttpError(401, 'this route needs a loopback client or Authorization: Bearer <local.metrics_token>', { 'WWW-Authenticate': 'Bearer' });
  }
}

/**
 * Answers `/metrics` or `/healthz` (after the caller's Host check) and returns true; false for any other path.
 * `dashboardUrl` is the guards' address, which `/healthz` names for `qmon doctor`.
 */
export async function serveMachineRoute(path: string, req: IncomingMessage, res: ServerResponse, d: Deps, dashboardUrl: string): Promise<boolean> {
  if (path === '/healthz') {
    allowed(req, d);
    sendJson(res, 200, machineHealth(d, dashboardUrl));
    return true;
  }
  if (path !== '/metrics') return false;
  const source = d.opts.metrics;
  if (!source) throw new HttpError(404, 'not found');
  allowed(req, d);
  const { contentType, body } = await source();
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': bytes.length, 'Cache-Control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : bytes);
  return true;
}
