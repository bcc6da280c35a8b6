import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSnapshotAtomic } from '../events/index.js';
import { topics } from '../uplink/contract.js';
import { MAX_SNAPSHOT_BYTES } from '../uplink/snapshot-upload.js';
import type { HubDb, HubSnapshotRow } from './hub-db.js';

/** A request not answered within this is asked again when the event comes by once more (a resend). */
const ASK_AGAIN_MS = 60_000;
const MAX_ASKED = 10_000;

export type SnapshotReceipt = { readonly ok: true; readonly row: HubSnapshotRow } | { readonly ok: false; readonly error: string };

/**
 * The hub's side of snapshot transfer: after an event is stored it asks the agent for the image the
 * event names (`cmd/snapshot` with that sha256) unless it already holds it, and it keeps an image
 * that arrives on `snap/{event_id}` only when its bytes hash to that sha256 — so an agent can
 * neither swap an image after the fact nor fill the hub's disk with ones nobody asked for.
 */
export class HubSnapshots {
  /** `fid/event/sha` → when it was last asked (monotonic ms). */
  private readonly asked = new Map<string, number>();

  constructor(
    private readonly db: HubDb,
    private readonly dir: string,
  ) {}

  /** The command to publish for this event now, or null when the hub has the image, none exists, or it was just asked. */
  request(fid: string, eventId: string, now: number): { topic: string; payload: string } | null {
    const sha = this.db.eventSnapshotSha(fid, eventId);
    if (sha === null || this.db.snapshot(fid, eventId)?.sha256 === sha) return null;
    const key = `${fid}/${eventId}/${sha}`;
    const last = this.asked.get(key);
    if (last !== undefined && now - last < ASK_AGAIN_MS) return null;
    this.asked.delete(key);
    this.asked.set(key, now);
    // Oldest first (Map order): a flood of events cannot grow this without bound.
    for (const k of this.asked.keys()) {
      if (this.asked.size <= MAX_ASKED) break;
      this.asked.delete(k);
    }
    return { topic: topics.cmd(fid, 'snapshot'), payload: JSON.stringify({ schema: 'qmon.cmd/1', event_id: eventId, sha256: sha }) };
  }

  /** The kept image of an event, or null (none kept, or its file is gone). */
  image(fid: string, eventId: string): { bytes: Buffer; sha256: string } | null {
    const row = this.db.snapshot(fid, eventId);
    if (!row) return null;
    try {
      return { bytes: readFileSync(join(this.dir, row.file)), sha256: row.sha256 };
    } catch {
      return null;
    }
  }

  async receive(fid: string, eventId: string, bytes: Buffer, wall: number): Promise<SnapshotReceipt> {
    const expected = this.db.eventSnapshotSha(fid, eventId);
    if (expected === null) return { ok: false, error: `no stored event ${eventId} of ${fid} names a snapshot` };
    if (bytes.length > MAX_SNAPSHOT_BYTES) return { ok: false, error: `snapshot is ${bytes.length} bytes; at most ${MAX_SNAPSHOT_BYTES}` };
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== expected) {
      return { ok: false, error: `snapshot sha256 ${sha.slice(0, 12)} is not the one event ${eventId} names (${expected.slice(0, 12)})` };
    }
    const name = `${eventId}.jpg`;
    await writeSnapshotAtomic(join(this.dir, fid), name, bytes);
    const row: HubSnapshotRow = { fid, eventId, sha256: sha, bytes: bytes.length, file: join(fid, name), receivedAt: wall };
    this.db.saveSnapshot(row);
    this.asked.delete(`${fid}/${eventId}/${sha}`);
    return { ok: true, row };
  }
}
