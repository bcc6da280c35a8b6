/**
 * The running agent, seen from this machine: does it answer its own `/healthz` on loopback (the dashboard listener,
 * or `local.metrics_listen`), is it this config's facility, and what does it say is wrong. Plus the dashboard's
 * address, which an installer hands to the guards.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LocalConfig } from '../../config/index.js';
import { dashboardUrl, machineUrl, type MachineHealth } from '../../local/index.js';
import { ok, warn, type CheckResult } from './check.js';

const MAX_ANSWER_BYTES = 64 * 1024;
const START = 'systemctl start qmon (as root); if it stops again: journalctl -u qmon -n 50';

/** The dashboard's URL as the guards open it. */
export function dashboardCheck(local: LocalConfig): CheckResult {
  const where = local.port === 0 ? 'port 0 in local.listen: the agent prints the port it got when it starts' : dashboardUrl(local);
  const names = local.public_hosts.length > 0 ? `; also by ${local.public_hosts.join(', ')}` : '';
  return ok('dashboard', `${where}${names} (the guards' browsers; first admin: qmon user add … --role admin)`);
}

/** Asks the running agent for its health over loopback; not running is a warning (doctor also runs before the first start). */
export async function agentCheck(local: LocalConfig, facilityId: string, opts: { timeoutMs?: number } = {}): Promise<CheckResult> {
  const name = 'agent';
  const at = machineUrl(local);
  if (at === null) return warn(name, 'not checked: the health endpoint is on port 0 (any free port)', 'give local.listen (or local.metrics_listen) a fixed port');
  const url = `${at.url}healthz`;
  let answer: { status: number; body: string };
  try {
    answer = await get(url, at.tls, opts.timeoutMs ?? 3_000);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    return warn(name, `not running: nothing answers ${url} (${code})`, START);
  }
  let h: Partial<MachineHealth>;
  try {
    h = JSON.parse(answer.body) as Partial<MachineHealth>;
  } catch {
    h = {};
  }
  if (answer.status !== 200 || h.agent !== 'qmon') return warn(name, `${url} answered ${answer.status}, not as a qmon agent: is another program on that port?`, 'free the port or change local.listen');
  if (h.facility !== facilityId) return warn(name, `${url} is a qmon agent of facility ${String(h.facility).slice(0, 64)}, not ${facilityId}`, 'stop the other agent, or check --config');
  const version = typeof h.version === 'string' ? h.version.slice(0, 32) : '?';
  const problems = Array.isArray(h.problems) ? h.problems.filter((p): p is string => typeof p === 'string').map((p) => p.slice(0, 200)) : [];
  if (h.healthy !== true) {
    const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
    return warn(name, `running (${version}), with problems: ${shown || 'unhealthy'}`, 'see the rows above for each camera and the hub; journalctl -u qmon for the details');
  }
  return ok(name, `running (${version}), healthy (${url})`);
}

function get(url: string, tls: boolean, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER_BYTES) req.destroy(new Error('answer too large'));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const options = { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port, path: u.pathname, headers: { host: u.host }, timeout: timeoutMs };
    // Loopback only, no credentials sent, the answer only shown: the dashboard's self-signed certificate is not verified.
    const req = tls ? httpsRequest({ ...options, rejectUnauthorized: false }, onResponse) : httpRequest(options, onResponse);
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}
