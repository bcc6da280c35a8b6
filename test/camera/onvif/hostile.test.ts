/**
 * Hostile or broken SOAP from a "camera": every case must end promptly with a specific error, never a
 * hang, a crash or a huge allocation. The simulator sends the real payloads (a 50 MB body is
 * generated as the socket drains, so its size is real).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OnvifDevice } from '../../../agent/camera/onvif/device.js';
import { isOnvifError, probeDevice } from '../../../agent/camera/onvif/index.js';
import { OnvifSimulator, type HostileMode, type Op } from './simulator.js';

const sims: OnvifSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.stop()));
});

async function hostileDevice(op: Op, mode: HostileMode, timeoutMs = 2000): Promise<{ s: OnvifSimulator; dev: OnvifDevice }> {
  const s = await OnvifSimulator.start({ hostile: { [op]: mode } });
  sims.push(s);
  const dev = new OnvifDevice({ address: '127.0.0.1', port: s.port, username: s.username, password: s.password, timeoutMs });
  return { s, dev };
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isOnvifError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected the call to fail');
}

describe('hostile SOAP replies', () => {
  it('billion laughs: refused at the DOCTYPE, nothing expanded', async () => {
    const { dev } = await hostileDevice('GetDeviceInformation', 'billion-laughs');
    const before = process.memoryUsage().heapUsed;
    const f = await failure(dev.deviceInformation());
    expect(f.code).toBe('bad_response');
    expect(f.message).toMatch(/rejected the reply: document type declarations are not accepted/);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
  });

  it('external entity (XXE): refused, no file read into the reply', async () => {
    const { dev } = await hostileDevice('GetDeviceInformation', 'external-entity');
    const f = await failure(dev.deviceInformation());
    expect(f.code).toBe('bad_response');
    expect(f.message).not.toMatch(/root:/);
  });

  it('a 50 MB body: the client stops reading at its limit and hangs up', async () => {
    const { s, dev } = await hostileDevice('GetDeviceInformation', 'huge-body');
    const f = await failure(dev.deviceInformation());
    expect(f).toMatchObject({ code: 'bad_response', message: expect.stringMatching(/exceeds the 2097152-byte limit/) as string });
    // The simulator wrote until the socket closed: far less than the 50 MB it meant to send.
    await vi.waitFor(() => expect(s.hostileBodyEnded, 'the simulator saw the connection close').toBe(true), { timeout: 10_000 });
    expect(s.hostileBytesWritten).toBeLessThan(20 * 1024 * 1024);
  });

  it('a Content-Length of 50 MB is refused before reading the body', async () => {
    const { dev } = await hostileDevice('GetProfiles', 'huge-content-length');
    const f = await failure(dev.profiles());
    expect(f.message).toMatch(/announces 52428800 bytes, over the 2097152-byte limit/);
  });

  it('a body that never ends (a byte every 20 ms) hits the deadline, not an idle timer', async () => {
    const { dev } = await hostileDevice('GetSystemDateAndTime', 'never-ends', 300);
    const f = await failure(dev.readClock());
    expect(f).toMatchObject({ code: 'timeout', message: expect.stringMatching(/no complete reply within 300 ms/) as string });
  });

  it('100 000 nested elements: refused by the depth limit', async () => {
    const { dev } = await hostileDevice('GetProfiles', 'deep-nesting');
    const f = await failure(dev.profiles());
    expect(f.message).toMatch(/nested deeper than 64/);
  });

  it('the same hostile reply through probeDevice ends in the report, not an exception', async () => {
    const s = await OnvifSimulator.start({ hostile: { GetCapabilities: 'billion-laughs' } });
    sims.push(s);
    const r = await probeDevice({ address: '127.0.0.1', port: s.port }, { username: s.username, password: s.password, timeoutMs: 2000 });
    expect(r.error?.code).toBe('bad_response');
    expect(r.info?.model).toBe('SC-2021');
  });
});
