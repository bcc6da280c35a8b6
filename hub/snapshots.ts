import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeSnapshotAtomic } from '../agent/shared/snapshot-file.js';
import { buildSnapshotCommand, MAX_SNAPSHOT_BYTES, topics } from '../contract/index.js';
import type { HubDb, HubSnapshotRow } from './hub-db.js';

/** A request not answered within this is asked again when the event comes by once more (a resend). */
const ASK_AGAIN_MS = 60_000;
const MAX_ASKED = 10_000;
/** How long a one-time upload URL stays valid. */
const UPLOAD_TOKEN_MS = 10 * 60_000;

interface UploadGrant {
  readonly fid: string;
  readonly eventId: string;
  readonly expires: number;
}

export type SnapshotReceipt = { readonly ok: true; readonly row: HubSnapshotRow } | { readonly ok: false; readonly error: string };
/** An HTTPS upload's answer: the receipt plus the status the upload service returns. */
export type UploadAnswer = SnapshotReceipt & { readonly status: number };

/**
 * The hub's side of snapshot transfer: after an event is stored it asks the agent for the image the
 * event names (`cmd/snapshot` with that sha256) unless it already holds it, and it keeps an image
 * that arrives on `snap/{event_id}` only when its bytes hash to that sha256 — so an agent can
 * neither swap an image after the fact nor fill the hub's disk with ones nobody asked for.
 */
export class HubSnapshots {
  /** `fid/event/sha` → when it was last asked (monotonic ms). */
  private readonly asked = new Map<string, number>();
  /** One-time upload tokens → what they allow (insertion order = age). */
  private readonly grants = new Map<string, UploadGrant>();

  /**
   * @param report told of every image that arrived, kept or refused
   * @param uploadBase the public `https://host[:port]` of the hub's upload service; without it only MQTT is used
   */
  constructor(
    private readonly db: HubDb,
    private readonly dir: string,
    private readonly report: (fid: string, eventId: string, bytes: number, r: SnapshotReceipt) => void,
    private readonly uploadBase?: string,
  ) {
    // Checked once here: every cmd/snapshot is built strictly (encodePayload), so a bad base would fail each event.
    if (uploadBase !== undefined && !/^https:\/\/[^\s/?#]+$/.test(uploadBase)) {
      throw new Error(`snapshot upload URL must be https://HOST[:PORT] with nothing after (got "${uploadBase.slice(0, 100)}")`);
    }
  }

  /** The command to publish for this event now, or null when the hub has the image, none exists, or it was just asked. */
  request(fid: string, eventId: string, now: number): { topic: string; payload: Buffer } | null {
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
    const uploadUrl = this.uploadBase === undefined ? undefined : `${this.uploadBase}/upload/${fid}/${eventId}?token=${this.grant(fid, eventId, now)}`;
    return { topic: topics.cmd(fid, 'snapshot'), payload: buildSnapshotCommand(eventId, sha, uploadUrl) };
  }

  /** An HTTPS upload: valid only with an unexpired token issued for this event, and only once. */
  async acceptUpload(fid: string, eventId: string, token: string, bytes: Buffer, now: number, wall: number): Promise<UploadAnswer> {
    const g = this.grants.get(token);
    if (!g || g.fid !== fid || g.eventId !== eventId || now > g.expires) {
      return { ok: false, status: 403, error: 'upload token unknown, used, expired or for another event' };
    }
    this.grants.delete(token);
    const r = await this.receive(fid, eventId, bytes, wall);
    return { ...r, status: r.ok ? 201 : 422 };
  }

  private grant(fid: string, eventId: string, now: number): string {
    for (const [t, g] of this.grants) {
      if (this.grants.size < MAX_ASKED && g.expires >= now) break;
      this.grants.delete(t);
    }
    const token = randomBytes(24).toString('base64url');
    this.grants.set(token, { fid, eventId, expires: now + UPLOAD_TOKEN_MS });
    return token;
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

  /** An image that arrived (over MQTT or an upload): kept only when it hashes to the sha256 the event names. */
  async receive(fid: string, eventId: string, bytes: Buffer, wall: number): Promise<SnapshotReceipt> {
    const r = await this.verifyAndKeep(fid, eventId, bytes, wall).catch((e: Error) => ({ ok: false as const, error: e.message }));
    this.report(fid, eventId, bytes.length, r);
    return r;
  }

  private async verifyAndKeep(fid: string, eventId: string, bytes: Buffer, wall: number): Promise<SnapshotReceipt> {
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
