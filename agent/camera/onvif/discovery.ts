/**
 * Finds ONVIF devices: a WS-Discovery Probe sent by multicast (239.255.255.250:3702) on chosen or
 * all IPv4 interfaces, and/or by unicast to listed addresses (multicast does not cross VLANs).
 * Answers arrive on the same socket until the wait ends; hostile or broken datagrams are counted
 * and dropped, never fatal.
 */
import dgram from 'node:dgram';
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { silentLogger, type Logger } from '../../ops/index.js';
import { DEFAULT_DEVICE_PATH } from './device.js';
import { WS_DISCOVERY_PORT, type UnicastTarget } from './targets.js';
import { MAX_DATAGRAM_BYTES, newMessageId, parseProbeReply, PROBE_TYPES, probeMessage, scopeValue, type ProbeMatch } from './ws-discovery-message.js';

export const WS_DISCOVERY_GROUP = '239.255.255.250';

/** Where a device service is: host, port and path. */
export interface ServiceAddress {
  readonly address: string;
  readonly port: number;
  readonly path: string;
}

export interface DiscoveredDevice extends ServiceAddress {
  readonly endpoint: string;
  /** Host (the address the answer came from), port and path of the device service picked from XAddrs. */
  readonly address: string;
  readonly port: number;
  readonly path: string;
  /**
   * The device service the device advertised on another host than the one its answer came from (a multi-homed
   * camera, or one configured with an address other than where it answers), when that host may be followed
   * (`followable`). The probe tries it first and falls back to `address`.
   */
  readonly advertised?: ServiceAddress;
  readonly xaddrs: readonly string[];
  /** Where the answer came from. */
  readonly from: string;
  readonly name?: string;
  readonly hardware?: string;
  readonly location?: string;
}

export interface DiscoverProgress {
  readonly elapsedMs: number;
  readonly sent: number;
  readonly toSend: number;
  readonly found: number;
  readonly rejected: number;
}

export interface DiscoverOptions {
  /** Multicast on these interfaces (names like `eth0` or IPv4 addresses); `all` = every non-loopback IPv4 one; false = none. */
  readonly multicast?: readonly string[] | 'all' | false;
  /** Multicast port; 3702 except for tests. */
  readonly multicastPort?: number;
  readonly unicast?: readonly UnicastTarget[];
  /** How long to listen after the last probe went out. */
  readonly waitMs?: number;
  /** Stops listening early (the caller has found what it looked for); what was found so far is returned. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: DiscoverProgress) => void;
  readonly onDevice?: (d: DiscoveredDevice) => void;
  readonly logger?: Logger;
}

export interface DiscoverResult {
  readonly devices: DiscoveredDevice[];
  /** Datagrams that were not an acceptable answer to our probes (hostile, broken, someone else's). */
  readonly rejected: number;
}

export class DiscoveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiscoveryError';
  }
}

/** IPv4 addresses to multicast from, by interface name or address. */
export function multicastInterfaces(spec: readonly string[] | 'all'): string[] {
  const nics = networkInterfaces();
  const v4 = (name: string): string[] => (nics[name] ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address);
  if (spec === 'all') {
    const all = Object.entries(nics).flatMap(([name, list]) => ((list ?? []).some((a) => a.internal) ? [] : v4(name)));
    if (all.length === 0) throw new DiscoveryError('no network interface with an IPv4 address to send the multicast probe on');
    return all;
  }
  return spec.map((s) => {
    if (/^\d+\.\d+\.\d+\.\d+$/.test(s)) return s;
    const addr = v4(s)[0];
    if (addr === undefined) {
      const names = Object.keys(nics).filter((n) => v4(n).length > 0);
      throw new DiscoveryError(`interface "${s}" not found or has no IPv4 address (available: ${names.join(', ') || 'none'})`);
    }
    return addr;
  });
}

/** IPv4 ranges a LAN camera may advertise: private, shared (CGNAT), link-local and loopback. */
const LAN_RANGES: readonly (readonly [string, number])[] = [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['127.0.0.0', 8],
];

const v4 = (a: string): number => a.split('.').reduce((n, p) => n * 256 + Number(p), 0);
const inRange = (addr: string, base: string, bits: number): boolean => bits === 0 || Math.floor(v4(addr) / 2 ** (32 - bits)) === Math.floor(v4(base) / 2 ** (32 - bits));

/**
 * Whether an advertised host may be probed (with our login) although the answer came from elsewhere: an IPv4
 * address in a LAN range or in one of this machine's own subnets. Never a name or a public address: anyone on the
 * LAN can answer a probe, and following its XAddrs off the LAN would send signed logins wherever it pointed.
 */
export function followable(host: string): boolean {
  if (!isIPv4(host)) return false;
  if (LAN_RANGES.some(([base, bits]) => inRange(host, base, bits))) return true;
  return Object.values(networkInterfaces()).some((list) =>
    (list ?? []).some((a) => a.family === 'IPv4' && a.cidr !== null && inRange(host, a.address, Number(a.cidr.split('/')[1]))),
  );
}

const service = (u: URL, host = u.hostname): ServiceAddress => ({
  address: host.replace(/^\[|\]$/g, ''),
  port: u.port === '' ? 80 : Number(u.port),
  path: u.pathname === '/' ? DEFAULT_DEVICE_PATH : u.pathname,
});

/**
 * The device-service addresses to try: an http XAddr at the address the answer came from (else the first http
 * XAddr's port and path at that address), and, when the device advertised another host that may be followed, that
 * one too (tried first by the probe: it is where the camera says it is).
 */
function pickXAddrs(m: ProbeMatch, from: string): { answered: ServiceAddress; advertised?: ServiceAddress } | undefined {
  const urls = m.xaddrs.flatMap((x) => {
    try {
      const u = new URL(x);
      return u.protocol === 'http:' ? [u] : [];
    } catch {
      return [];
    }
  });
  const first = urls[0];
  if (first === undefined) return undefined;
  const same = urls.find((u) => u.hostname === from);
  const answered = same ? service(same) : service(first, from);
  const elsewhere = same ? undefined : urls.find((u) => followable(u.hostname));
  return elsewhere ? { answered, advertised: service(elsewhere) } : { answered };
}

const optional = <K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> =>
  value === undefined ? {} : ({ [key]: value } as Partial<Record<K, string>>);

/** Numeric IPv4 order, then port: a stable table however the answers raced. */
function byAddress(a: DiscoveredDevice, b: DiscoveredDevice): number {
  const key = (d: DiscoveredDevice): string =>
    `${d.address
      .split('.')
      .map((p) => p.padStart(3, '0'))
      .join('.')}:${String(d.port).padStart(5, '0')}`;
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits `ms`, or until `signal` aborts, whichever comes first. */
function listenFor(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function discover(opts: DiscoverOptions): Promise<DiscoverResult> {
  const logger = opts.logger ?? silentLogger();
  const ifaces = opts.multicast === false || opts.multicast === undefined ? [] : multicastInterfaces(opts.multicast);
  const unicast = opts.unicast ?? [];
  const ids = PROBE_TYPES.map(() => newMessageId());
  const messages = PROBE_TYPES.map((t, k) => probeMessage(ids[k]!, t));
  const toSend = (ifaces.length + unicast.length) * messages.length;
  if (toSend === 0) throw new DiscoveryError('nothing to probe: give interfaces for multicast or addresses for unicast');

  const found = new Map<string, DiscoveredDevice>();
  let rejected = 0;
  let sent = 0;
  const started = Date.now();
  const progress = (): void => opts.onProgress?.({ elapsedMs: Date.now() - started, sent, toSend, found: found.size, rejected });

  const socket = dgram.createSocket({ type: 'udp4' });
  socket.on('message', (msg, rinfo) => {
    try {
      if (msg.length > MAX_DATAGRAM_BYTES) throw new Error('datagram too large');
      const reply = parseProbeReply(msg);
      if (reply.relatesTo !== undefined && !ids.includes(reply.relatesTo)) throw new Error('answer to another probe');
      for (const m of reply.matches) {
        const at = pickXAddrs(m, rinfo.address);
        if (at === undefined || found.has(m.endpoint)) continue;
        const d: DiscoveredDevice = {
          endpoint: m.endpoint,
          ...at.answered,
          ...(at.advertised !== undefined && { advertised: at.advertised }),
          xaddrs: m.xaddrs,
          from: rinfo.address,
          ...optional('name', scopeValue(m.scopes, 'name')),
          ...optional('hardware', scopeValue(m.scopes, 'hardware')),
          ...optional('location', scopeValue(m.scopes, 'location')),
        };
        found.set(m.endpoint, d);
        opts.onDevice?.(d);
        progress();
      }
    } catch (e) {
      rejected++;
      logger.debug({ from: rinfo.address, reason: e instanceof Error ? e.message : String(e) }, 'ignored a WS-Discovery datagram');
    }
  });
  socket.on('error', (e) => logger.warn({ err: e.message }, 'WS-Discovery socket error'));
  await new Promise<void>((resolve, reject) => {
    const failed = (e: NodeJS.ErrnoException): void => reject(new DiscoveryError(`cannot open a UDP socket for WS-Discovery (${e.code ?? e.message})`));
    socket.once('error', failed);
    socket.bind(0, () => {
      socket.off('error', failed);
      resolve();
    });
  });

  const send = (buf: Buffer, port: number, host: string): Promise<void> =>
    new Promise((resolve) => {
      socket.send(buf, port, host, (err) => {
        sent++;
        if (err) logger.debug({ host, err: err.message }, 'WS-Discovery probe not sent');
        resolve();
      });
    });
  const ticker = setInterval(progress, 250);
  try {
    if (ifaces.length > 0) {
      socket.setMulticastTTL(1); // WS-Discovery is link-local: never forward the probe past a router
      for (const addr of ifaces) {
        try {
          socket.setMulticastInterface(addr);
        } catch (e) {
          throw new DiscoveryError(`cannot send multicast from ${addr} (${(e as NodeJS.ErrnoException).code ?? 'error'}): is it an address of this machine?`);
        }
        for (const m of messages) await send(m, opts.multicastPort ?? WS_DISCOVERY_PORT, WS_DISCOVERY_GROUP);
      }
    }
    for (const [k, t] of unicast.entries()) {
      for (const m of messages) await send(m, t.port, t.address);
      // Pace a /24 sweep (~1 ms per address) so cheap switches and cameras do not drop the burst.
      if (k % 16 === 15) await pause(16);
    }
    progress();
    await listenFor(opts.waitMs ?? 3000, opts.signal);
  } finally {
    clearInterval(ticker);
    socket.close();
  }
  progress();
  return { devices: [...found.values()].sort(byAddress), rejected };
}
