/**
 * Parses what the installer types after `--range`: single addresses, CIDR blocks and dash ranges,
 * comma-separated (`192.168.10.0/24,192.168.20.5`). WS-Discovery multicast does not cross VLANs or
 * routers, so cameras on other subnets are found by probing each address by unicast. A cap keeps a
 * typo like `/8` from sending sixteen million probes.
 */

export interface UnicastTarget {
  readonly address: string;
  /** WS-Discovery port, 3702 unless given as `ADDRESS:PORT` (simulators, port forwards). */
  readonly port: number;
}

export const WS_DISCOVERY_PORT = 3702;
export const MAX_TARGETS = 4096;

export class TargetSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetSpecError';
  }
}

function ipToInt(ip: string, item: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  const parts = m ? m.slice(1).map(Number) : [];
  if (!m || parts.some((p) => p > 255)) throw new TargetSpecError(`"${item}" is not an IPv4 address, CIDR block (192.168.10.0/24) or range (192.168.10.10-192.168.10.50)`);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

const intToIp = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

function expand(item: string): { first: number; last: number; port: number } {
  const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(item);
  if (cidr) {
    const bits = Number(cidr[2]);
    if (bits > 32) throw new TargetSpecError(`"${item}": prefix length must be 0-32`);
    const size = 2 ** (32 - bits);
    const base = ipToInt(cidr[1]!, item) - (ipToInt(cidr[1]!, item) % size);
    // Network and broadcast addresses are not hosts (except in /31 and /32).
    return bits >= 31 ? { first: base, last: base + size - 1, port: WS_DISCOVERY_PORT } : { first: base + 1, last: base + size - 2, port: WS_DISCOVERY_PORT };
  }
  const range = /^([\d.]+)\s*-\s*([\d.]+)$/.exec(item);
  if (range) {
    const first = ipToInt(range[1]!, item);
    const last = ipToInt(range[2]!, item);
    if (last < first) throw new TargetSpecError(`"${item}": the range ends before it starts`);
    return { first, last, port: WS_DISCOVERY_PORT };
  }
  const single = /^([\d.]+)(?::(\d{1,5}))?$/.exec(item);
  if (single) {
    const port = single[2] === undefined ? WS_DISCOVERY_PORT : Number(single[2]);
    if (port < 1 || port > 65535) throw new TargetSpecError(`"${item}": port must be 1-65535`);
    const n = ipToInt(single[1]!, item);
    return { first: n, last: n, port };
  }
  throw new TargetSpecError(`"${item}" is not an IPv4 address, CIDR block (192.168.10.0/24) or range (192.168.10.10-192.168.10.50)`);
}

/** Every address in the spec, de-duplicated, in order; TargetSpecError for typos or too many. */
export function parseTargets(spec: string | readonly string[]): UnicastTarget[] {
  const items = (typeof spec === 'string' ? [spec] : spec).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new TargetSpecError('no address given (expected e.g. 192.168.10.0/24)');
  const seen = new Set<string>();
  const out: UnicastTarget[] = [];
  for (const item of items) {
    const { first, last, port } = expand(item);
    if (out.length + (last - first + 1) > MAX_TARGETS) {
      throw new TargetSpecError(`"${item}" makes more than ${MAX_TARGETS} addresses; split the scan into smaller blocks (/24 is typical)`);
    }
    for (let n = first; n <= last; n++) {
      const key = `${intToIp(n)}:${port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ address: intToIp(n), port });
    }
  }
  return out;
}
