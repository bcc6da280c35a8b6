import type Database from 'better-sqlite3';
import type { KeyObject } from 'node:crypto';
import { fidProblem, keyId, parsePublicKey, publicKeyBase64 } from '../contract/index.js';

/** One facility the hub operator registered: only these may post (unless the hub runs `--open-registry`). */
export interface RegisteredFacility {
  readonly fid: string;
  readonly name: string | null;
  /** Hub wall time, epoch ms. */
  readonly addedAt: number;
  readonly disabled: boolean;
  /** The facility's Ed25519 public key (raw, base64): its messages must be signed with it. Null: none registered. */
  readonly publicKey: string | null;
  /** Key id of `publicKey` (docs/hub-contract.md, "Signatures"). */
  readonly kid: string | null;
  /** During a key rotation, the facility's next key: signatures by either key verify. */
  readonly nextPublicKey: string | null;
  readonly nextKid: string | null;
  /** For the HTTP API's province tier: a province token sees the facilities of its province. */
  readonly province: string | null;
}

export const REGISTRY_DDL = `
  -- The facilities the hub operator allows (qmon hub facility add|list|remove). A message from any other
  -- fid is dropped and counted, and never creates a facility row. public_key / next_public_key: the
  -- facility's Ed25519 keys (raw, base64) its messages are verified with (two during a rotation).
  CREATE TABLE IF NOT EXISTS registry (
    fid TEXT PRIMARY KEY, name TEXT, added_at INTEGER NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,
    public_key TEXT, next_public_key TEXT, province TEXT
  ) STRICT;
`;

interface RegistryRow {
  fid: string;
  name: string | null;
  added_at: number;
  disabled: number;
  public_key: string | null;
  next_public_key?: string | null;
  province?: string | null;
}

/** The key id of a stored key text; null when there is none or it cannot be read. */
export function kidOf(text: string | null): string | null {
  if (text === null) return null;
  try {
    return keyId(parsePublicKey(text));
  } catch {
    return null;
  }
}

/** The registry table of a HubDb connection. */
export class FacilityRegistry {
  private readonly enabledStmt: Database.Statement | null;
  private readonly keysStmt: Database.Statement | null;
  /** Parsed keys by their stored text: parsing once, not per message. */
  private readonly parsed = new Map<string, KeyObject | null>();

  /** A database from before the registry (opened read-only, so not migrated) reads as an empty registry. */
  constructor(private readonly db: Database.Database) {
    const exists = db.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'registry'`).pluck().get() === 1;
    const columns = exists ? (db.prepare(`SELECT name FROM pragma_table_info('registry')`).pluck().all() as string[]) : [];
    // Additive migration of a registry made before key rotation existed.
    if (exists && !columns.includes('next_public_key') && !db.readonly) db.exec('ALTER TABLE registry ADD COLUMN next_public_key TEXT');
    if (exists && !columns.includes('province') && !db.readonly) db.exec('ALTER TABLE registry ADD COLUMN province TEXT');
    const hasNext = columns.includes('next_public_key') || (exists && !db.readonly);
    this.enabledStmt = exists ? db.prepare('SELECT 1 FROM registry WHERE fid = ? AND disabled = 0').pluck() : null;
    this.keysStmt = exists
      ? db.prepare(`SELECT public_key, ${hasNext ? 'next_public_key' : 'NULL AS next_public_key'} FROM registry WHERE fid = ? AND disabled = 0`)
      : null;
  }

  /** Adds a facility; false when it was registered already (nothing changed). Throws on a bad fid or key. */
  add(fid: string, name: string | null, addedAt: number, publicKey: string | null = null): boolean {
    const problem = fidProblem(fid);
    if (problem) throw new Error(problem);
    const key = publicKey === null ? null : normaliseKey(publicKey);
    return this.db.prepare('INSERT OR IGNORE INTO registry (fid, name, added_at, public_key) VALUES (?, ?, ?, ?)').run(fid, name, addedAt, key).changes === 1;
  }

  /**
   * Key rotation, step by step (docs/hub-contract.md, "Signatures"): `next` stores the facility's new
   * key beside the current one (both verify); `promote` makes the next key the only one; `set`
   * replaces the current key at once (first provisioning, or a key known to be lost). False when the
   * facility is not registered (or, for promote, has no next key).
   */
  setKey(fid: string, action: 'set' | 'next' | 'promote', publicKey?: string): boolean {
    if (action === 'promote') {
      return this.db.prepare('UPDATE registry SET public_key = next_public_key, next_public_key = NULL WHERE fid = ? AND next_public_key IS NOT NULL').run(fid).changes === 1;
    }
    if (publicKey === undefined) throw new Error(`a public key is needed to ${action} a key`);
    const column = action === 'set' ? 'public_key' : 'next_public_key';
    return this.db.prepare(`UPDATE registry SET ${column} = ? WHERE fid = ?`).run(normaliseKey(publicKey), fid).changes === 1;
  }

  /** Sets (or, with null, clears) the facility's province; false when it is not registered. */
  setProvince(fid: string, province: string | null): boolean {
    return this.db.prepare('UPDATE registry SET province = ? WHERE fid = ?').run(province, fid).changes === 1;
  }

  /** The province a facility is registered with (null: none, or not registered). */
  provinceOf(fid: string): string | null {
    if (this.enabledStmt === null) return null;
    try {
      return (this.db.prepare('SELECT province FROM registry WHERE fid = ?').pluck().get(fid) as string | null | undefined) ?? null;
    } catch {
      return null; // a read-only database from before the column
    }
  }

  /** Removes a facility from the registry (its stored events stay); false when it was not registered. */
  remove(fid: string): boolean {
    return this.db.prepare('DELETE FROM registry WHERE fid = ?').run(fid).changes === 1;
  }

  /** Registered and not disabled. */
  accepts(fid: string): boolean {
    return this.enabledStmt !== null && this.enabledStmt.get(fid) !== undefined;
  }

  /** The keys a registered, enabled facility's messages may be signed with (none when no key is registered). */
  keys(fid: string): KeyObject[] {
    const row = this.keysStmt?.get(fid) as { public_key: string | null; next_public_key: string | null } | undefined;
    if (!row) return [];
    const out: KeyObject[] = [];
    for (const text of [row.public_key, row.next_public_key]) {
      if (text === null) continue;
      let key = this.parsed.get(text);
      if (key === undefined) {
        try {
          key = parsePublicKey(text);
        } catch {
          key = null; // stored by hand and unreadable: trusts nothing (counted as unknown_key on arrival)
        }
        this.parsed.set(text, key);
      }
      if (key) out.push(key);
    }
    return out;
  }

  list(): RegisteredFacility[] {
    if (this.enabledStmt === null) return [];
    return (this.db.prepare('SELECT * FROM registry ORDER BY fid').all() as RegistryRow[]).map((r) => ({
      fid: r.fid,
      name: r.name,
      addedAt: r.added_at,
      disabled: r.disabled === 1,
      publicKey: r.public_key,
      kid: kidOf(r.public_key),
      nextPublicKey: r.next_public_key ?? null,
      nextKid: kidOf(r.next_public_key ?? null),
      province: r.province ?? null,
    }));
  }
}

/** The one-line stored form (raw base64) of a PEM or base64 key; throws a plain error on anything else. */
function normaliseKey(text: string): string {
  return publicKeyBase64(parsePublicKey(text));
}
