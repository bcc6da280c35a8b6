/**
 * What the agent sends for `cmd/snapshot`, and every reason it refuses: the checks run before any
 * byte leaves, so a refused request publishes nothing.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Violation } from '../../agent/shared/types.js';
import { MAX_SNAPSHOT_BYTES } from '../../contract/index.js';
import { snapshotForHub, uploadHostProblem, type SnapshotSource } from '../../agent/uplink/snapshot-upload.js';
import { violation } from '../store/fixtures.js';

const JPEG = Buffer.from('\xff\xd8 a blurred crop \xff\xd9', 'latin1');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function source(v: Violation | undefined, file: Buffer | null): SnapshotSource {
  return { violation: (id) => (v && v.eventId === id ? v : undefined), read: () => file };
}

const withShot = (bytes: Buffer): Violation => {
  const v = violation(1);
  return { ...v, snapshot: { ...v.snapshot!, sha256: sha(bytes), bytes: bytes.length } };
};

describe('snapshotForHub', () => {
  it('returns the stored JPEG when the hub names the event and its current sha256', () => {
    const v = withShot(JPEG);
    expect(snapshotForHub({ event_id: v.eventId, sha256: sha(JPEG) }, source(v, JPEG), true)).toEqual(JPEG);
  });

  it('returns the context picture when the hub names its sha256 (the file of that picture, checked the same way)', () => {
    const CONTEXT = Buffer.from('\xff\xd8 the whole frame, faces blurred \xff\xd9', 'latin1');
    const shot = withShot(JPEG);
    const v = { ...shot, context: { ...shot.snapshot!, sha256: sha(CONTEXT), bytes: CONTEXT.length, file: 'snapshots/e-c2.jpg' } };
    const files: SnapshotSource = { violation: () => v, read: (file) => (file === 'snapshots/e-c2.jpg' ? CONTEXT : JPEG) };
    expect(snapshotForHub({ event_id: v.eventId, sha256: sha(CONTEXT) }, files, true)).toEqual(CONTEXT);
    expect(snapshotForHub({ event_id: v.eventId, sha256: sha(JPEG) }, files, true)).toEqual(JPEG);
  });

  const v = withShot(JPEG);
  const ask = { event_id: v.eventId, sha256: sha(JPEG) };
  const big = Buffer.alloc(MAX_SNAPSHOT_BYTES + 1);
  const bigV = withShot(big);
  const cases: [string, () => Buffer, RegExp][] = [
    ['policy off', () => snapshotForHub(ask, source(v, JPEG), false), /snapshot upload is off .*snapshot_upload=false/],
    ['unknown event', () => snapshotForHub({ ...ask, event_id: violation(9).eventId }, source(v, JPEG), true), /no event .* on this agent/],
    ['event without snapshot', () => snapshotForHub(ask, source({ ...v, snapshot: null }, JPEG), true), /has no snapshot/],
    ['an older image than the current one', () => snapshotForHub({ ...ask, sha256: 'b'.repeat(64) }, source(v, JPEG), true), /bbbbbbbbbbbb is not the current one/],
    ['file gone (retention)', () => snapshotForHub(ask, source(v, null), true), /is gone \(removed by retention or disk pressure\)/],
    ['file damaged on disk', () => snapshotForHub(ask, source(v, Buffer.from('other bytes')), true), /is damaged .*not sent/],
    ['too large for a broker', () => snapshotForHub({ event_id: bigV.eventId, sha256: sha(big) }, source(bigV, big), true), /at most 1048576 are sent/],
  ];
  it.each(cases)('refuses: %s', (_name, call, reason) => {
    expect(call).toThrow(reason);
  });
});

describe('uploadHostProblem (where a snapshot may be PUT)', () => {
  const hub = 'mqtts://hub.example.vn:8883';
  it.each([
    ['https://hub.example.vn:8443/upload/x?token=t', null],
    ['https://hub.example.vn/upload/x', /port 443 is not the hub's upload port \(8443/],
    ['https://hub.example.vn:22/upload/x', /port 22 is not the hub's upload port/],
    ['https://evil.example:8443/upload/x', /host evil.example is not the hub's \(hub.example.vn\)/],
    ['http://hub.example.vn:8443/upload/x', /must be https/],
    ['https://u:p@hub.example.vn:8443/upload/x', /must not carry credentials/],
    ['not a url', /not a URL/],
  ])('%s', (url, expected) => {
    const problem = uploadHostProblem(url, hub, 8443);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });
});
