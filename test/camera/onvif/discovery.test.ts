/**
 * WS-Discovery against simulators on 127.0.0.1 only (the network policy forbids probing anything
 * else): unicast probes to their UDP ports, hostile datagrams, and multicast on the loopback
 * interface when this kernel allows joining a group there.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { networkInterfaces } from 'node:os';
import { discover, DiscoveryError, followable, MAX_TARGETS, multicastInterfaces, parseTargets, TargetSpecError, type DiscoverProgress } from '../../../agent/camera/onvif/index.js';
import { OnvifSimulator, type SimulatorOptions } from './simulator.js';

const sims: OnvifSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});
/**
 * Listens until `enough` holds (checked at each device found and every progress tick), for at most BOUND_MS:
 * the answer is awaited, not a fixed window that a slow machine may miss.
 */
const BOUND_MS = 10_000;
function until(enough: (p: DiscoverProgress) => boolean): { signal: AbortSignal; onProgress: (p: DiscoverProgress) => void } {
  const stop = new AbortController();
  return { signal: stop.signal, onProgress: (p) => enough(p) && stop.abort() };
}
async function sim(opts: SimulatorOptions = {}): Promise<OnvifSimulator> {
  const s = await OnvifSimulator.start(opts);
  sims.push(s);
  return s;
}

describe('discover (unicast)', () => {
  it('finds each simulator once, with its endpoint, device service address and scope name', async () => {
    const [a, b] = [await sim(), await sim()];
    const progress: number[] = [];
    const seen: string[] = [];
    const stop = until((p) => p.found === 2);
    const r = await discover({
      unicast: [a, b].map((s) => ({ address: '127.0.0.1', port: s.discoveryPort })),
      waitMs: BOUND_MS,
      signal: stop.signal,
      onProgress: (p) => {
        progress.push(p.found);
        stop.onProgress(p);
      },
      onDevice: (d) => seen.push(d.endpoint),
    });
    expect(r.rejected).toBe(0);
    expect(r.devices.map((d) => d.endpoint).sort()).toEqual([a.endpoint, b.endpoint].sort());
    expect(seen.sort()).toEqual([a.endpoint, b.endpoint].sort());
    const da = r.devices.find((d) => d.endpoint === a.endpoint)!;
    // Both probe types were answered, but the device is listed once; the IPv6 XAddr lost to the one matching the sender.
    expect(da).toMatchObject({ address: '127.0.0.1', port: a.port, path: '/onvif/device_service', from: '127.0.0.1', name: 'Sim Corridor', hardware: 'SC-2021' });
    expect(progress.at(-1)).toBe(2);
  });

  it('keeps an advertised LAN address that differs from where the answer came from (tried first by the probe)', async () => {
    // A multi-homed camera: its answer comes from 127.0.0.1, its XAddr says 127.0.0.2 (a loopback stand-in for a
    // second LAN address).
    const s = await sim({ xaddrHost: '127.0.0.2', httpHost: '127.0.0.2' });
    const r = await discover({ unicast: [{ address: '127.0.0.1', port: s.discoveryPort }], waitMs: BOUND_MS, ...until((p) => p.found === 1) });
    expect(r.devices).toEqual([
      expect.objectContaining({ address: '127.0.0.1', port: s.port, from: '127.0.0.1', advertised: { address: '127.0.0.2', port: s.port, path: '/onvif/device_service' } }),
    ]);
  });

  it('never follows XAddrs to a public address or a name: only where the answer came from', async () => {
    // Anyone on the LAN can answer a probe; following its XAddrs off the LAN would send logins there.
    for (const xaddrHost of ['198.51.100.7', 'camera.example.com']) {
      const s = await sim({ xaddrHost });
      const r = await discover({ unicast: [{ address: '127.0.0.1', port: s.discoveryPort }], waitMs: BOUND_MS, ...until((p) => p.found === 1) });
      expect(r.devices.map((d) => [d.address, d.port, d.path, d.advertised]), xaddrHost).toEqual([['127.0.0.1', s.port, '/onvif/device_service', undefined]]);
      expect(r.devices[0]?.xaddrs[0]).toBe(`http://${xaddrHost}:${s.port}/onvif/device_service`);
    }
  });

  it('follows private, shared, link-local, loopback and own-subnet IPv4 addresses only', () => {
    for (const a of ['10.1.2.3', '172.16.0.9', '172.31.255.1', '192.168.10.21', '100.64.1.1', '169.254.3.4', '127.0.0.2']) expect(followable(a), a).toBe(true);
    for (const a of ['8.8.8.8', '172.32.0.1', '198.51.100.7', 'camera.example.com', 'fe80::1', '100.128.0.1']) expect(followable(a), a).toBe(false);
    const own = Object.values(networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4');
    if (own) expect(followable(own.address)).toBe(true);
  });

  it.each(['billion-laughs', 'garbage', 'wrong-relates-to'] as const)('ignores a %s datagram and still finds the camera', async (mode) => {
    const s = await sim({ hostileDiscovery: mode });
    const r = await discover({ unicast: [{ address: '127.0.0.1', port: s.discoveryPort }], waitMs: BOUND_MS, ...until((p) => p.found === 1 && p.rejected >= 1) });
    expect(r.devices.map((d) => d.endpoint)).toEqual([s.endpoint]);
    expect(r.rejected).toBeGreaterThanOrEqual(1);
  });

  it('finds nothing, quietly, where nothing answers', async () => {
    const s = await sim();
    const port = s.discoveryPort;
    await s.stop();
    sims.length = 0;
    const r = await discover({ unicast: [{ address: '127.0.0.1', port }], waitMs: 200 });
    expect(r.devices).toEqual([]);
  });

  it('refuses to run with nothing to probe, and names a missing interface', async () => {
    await expect(discover({ multicast: false })).rejects.toThrow(DiscoveryError);
    expect(() => multicastInterfaces(['no-such-nic0'])).toThrow(/interface "no-such-nic0" not found .*available: .*lo/);
    expect(multicastInterfaces(['lo'])).toEqual(['127.0.0.1']);
    // TEST-NET-2: not an address of this machine, so nothing is sent anywhere.
    await expect(discover({ multicast: ['198.51.100.7'], waitMs: 10 })).rejects.toThrow(/cannot send multicast from 198\.51\.100\.7 \(EADDRNOTAVAIL\)/);
  });
});

describe('discover (multicast on loopback)', () => {
  it('finds a simulator that joined the WS-Discovery group on 127.0.0.1', async (ctx) => {
    const s = await sim();
    const port = await s.joinMulticast();
    if (typeof port === 'string') {
      ctx.skip(`this kernel does not allow joining a multicast group on lo (${port})`);
      return;
    }
    const r = await discover({ multicast: ['lo'], multicastPort: port, waitMs: BOUND_MS, ...until((p) => p.found === 1) });
    expect(r.devices.map((d) => d.endpoint)).toEqual([s.endpoint]);
  });
});

describe('parseTargets', () => {
  it('expands CIDR blocks without network/broadcast, ranges, single addresses and ADDRESS:PORT', () => {
    const t = parseTargets(['192.168.10.0/30', '10.0.0.5-10.0.0.7,10.0.0.6', '127.0.0.1:40000']);
    expect(t.map((x) => `${x.address}:${x.port}`)).toEqual([
      '192.168.10.1:3702',
      '192.168.10.2:3702',
      '10.0.0.5:3702',
      '10.0.0.6:3702',
      '10.0.0.7:3702',
      '127.0.0.1:40000',
    ]);
    expect(parseTargets('192.168.10.0/24')).toHaveLength(254);
    expect(parseTargets('192.168.10.77/24')[0]?.address).toBe('192.168.10.1');
    expect(parseTargets('10.1.1.1/32')).toEqual([{ address: '10.1.1.1', port: 3702 }]);
  });

  it.each([
    ['192.168.10.0/8', /more than 4096 addresses/],
    ['192.168.1.300', /not an IPv4 address/],
    ['camera.local', /not an IPv4 address/],
    ['10.0.0.9-10.0.0.1', /ends before it starts/],
    ['10.0.0.1/33', /prefix length/],
    ['10.0.0.1:0', /port must be/],
    ['', /no address given/],
  ])('rejects %s', (spec, why) => {
    expect(() => parseTargets(spec)).toThrow(TargetSpecError);
    expect(() => parseTargets(spec)).toThrow(why);
  });

  it('caps the total across items', () => {
    expect(parseTargets('10.0.0.0/20')).toHaveLength(4094);
    expect(() => parseTargets(['10.0.0.0/20', '10.1.0.0/24'])).toThrow(new RegExp(`more than ${MAX_TARGETS}`));
  });
});
