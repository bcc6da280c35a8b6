// HubSnapshots builds every cmd/snapshot with the contract's strict builder; a bad upload base is
// refused once, at construction, with a clear reason, instead of failing on every event.
import { describe, expect, it } from 'vitest';
import { decodePayload, encodeEvent, EventPayload, SnapshotCommand, topics } from '../../contract/index.js';
import { HubDb } from '../../hub/index.js';
import { HubSnapshots } from '../../hub/snapshots.js';
import { tempDir, violation } from '../store/fixtures.js';
import { FID } from '../uplink/harness.js';

describe('HubSnapshots', () => {
  it('refuses an upload base that is not https://HOST[:PORT]', () => {
    const db = new HubDb(':memory:');
    try {
      for (const bad of ['http://hub.example.org', 'https://hub.example.org/upload', 'hub.example.org']) {
        expect(() => new HubSnapshots(db, '/nonexistent', () => undefined, bad), bad).toThrow(/must be https:\/\/HOST\[:PORT\]/);
      }
    } finally {
      db.close();
    }
  });

  it('asks for a missing image with a valid cmd/snapshot carrying a one-time https URL', () => {
    const tmp = tempDir('hub-snap');
    const db = new HubDb(':memory:');
    try {
      const v = violation(1);
      const event = decodePayload(EventPayload, 'evt', encodeEvent(v, { fid: FID, session: 1, seq: 1, replay: false, clock: { synced: true, source: 'chrony' } }));
      if (!event.ok) throw new Error(event.error);
      db.ingest(event.value, 0);
      const snaps = new HubSnapshots(db, tmp.dir, () => undefined, 'https://hub.example.org:8443');
      const ask = snaps.request(FID, v.eventId, 0);
      expect(ask?.topic).toBe(topics.cmd(FID, 'snapshot'));
      const cmd = decodePayload(SnapshotCommand, 'cmd/snapshot', ask!.payload);
      expect(cmd).toMatchObject({ ok: true, value: { event_id: v.eventId, sha256: v.snapshot!.sha256 } });
      expect(cmd.ok && cmd.value.upload_url).toMatch(new RegExp(`^https://hub\\.example\\.org:8443/upload/${FID}/${v.eventId}\\?token=`));
    } finally {
      db.close();
      tmp.cleanup();
    }
  });
});
