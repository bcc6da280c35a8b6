/**
 * The heartbeat of the largest agent the config allows (MAX_AGENT_CAMERAS cameras, every field at its longest) still
 * fits the hub's inbound limit for `hb`: otherwise a facility with many cameras would have every heartbeat refused.
 */
import { describe, expect, it } from 'vitest';
import { buildHeartbeat, INBOUND_LIMITS, MAX_AGENT_CAMERAS } from '../../contract/index.js';

describe('heartbeat size', () => {
  it(`${MAX_AGENT_CAMERAS} cameras with the longest ids and every counter large fit the ${INBOUND_LIMITS.hb}-byte hb limit`, () => {
    const big = 2 ** 40;
    const bytes = buildHeartbeat({
      fid: 'f'.repeat(32),
      session: big,
      wall: Date.UTC(2026, 11, 1),
      uptimeS: big,
      outbox: { pending: big, sent: big, oldestPendingAt: Date.UTC(2026, 0, 1) },
      cameras: Array.from({ length: MAX_AGENT_CAMERAS }, (_, i) => ({
        id: `${i}-`.padEnd(64, 'c'),
        state: 'degraded' as const,
        fpsIn: 29.97,
        fpsDetect: 4.99,
        lastFrameAgeS: 123456.78,
        quality: 'unusable' as const,
        reason: 'overload' as const,
        work: { frames: big, inferences: big, regions: big, gated: big, stationarySkipped: big, dropped: big },
      })),
      diskFreeMb: big,
      clock: { synced: false, source: 'x'.repeat(32) },
      dashboard: { logins: big, loginFailed: big, acks: big, snoozes: big, exports: big, snapshotViews: big, userChanges: big },
      uplink: { ackedUnsent: big, dropped: big },
    });
    expect(bytes.length).toBeLessThanOrEqual(INBOUND_LIMITS.hb);
    // And one camera more is refused by the writer (the config refuses it first, with the reason).
    expect(() =>
      buildHeartbeat({
        fid: 'f1', session: 1, wall: 0, uptimeS: 0, outbox: { pending: 0, sent: 0, oldestPendingAt: null }, diskFreeMb: null, clock: { synced: true, source: 'ntp' },
        cameras: Array.from({ length: MAX_AGENT_CAMERAS + 1 }, (_, i) => ({ id: `c${i}`, state: 'online' as const, fpsIn: 5, fpsDetect: 5, lastFrameAgeS: 0 })),
      }),
    ).toThrow();
  });
});
