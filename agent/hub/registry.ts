import type Database from 'better-sqlite3';
import { fidProblem } from '../contract/index.js';

/** One facility the hub operator registered: only these may post (unless the hub runs `--open-registry`). */
export interface RegisteredFacility {
  readonly fid: string;
  readonly name: string | null;
  /** Hub wall time, epoch ms. */
  readonly addedAt: number;
  readonly disabled: boolean;
  /** For message signing later; null today. */
  readonly publicKey: string | null;
}

export const REGISTRY_DDL = `
  -- The facilities the hub operator allows (qmon hub facility add|list|remove). A message from any other
  -- fid is dropped and counted, and never creates a facility row.
  CREATE TABLE IF NOT EXISTS registry (
    fid TEXT PRIMARY KEY, name TEXT, added_at INTEGER NOT NULL, disabled INTEGER NOT NULL DEFAULT 0,
    public_key TEXT
  ) STRICT;
`;

interface RegistryRow {
  fid: string;
  name: string | null;
  added_at: number;
  disabled: number;
  public_key: string | null;
}

/** The registry table of a HubDb connection. */
export class FacilityRegistry {
  private readonly enabledStmt: Database.Statement | null;

  /** A database from before the registry (opened read-only, so not migrated) reads as an empty registry. */
  constructor(private readonly db: Database.Database) {
    const exists = db.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'registry'`).pluck().get() === 1;
    this.enabledStmt = exists ? db.prepare('SELECT 1 FROM registry WHERE fid = ? AND disabled = 0').pluck() : null;
  }

  /** Adds a facility; false when it was registered already (nothing changed). Throws on a bad fid. */
  add(fid: string, name: string | null, addedAt: number): boolean {
    const problem = fidProblem(fid);
    if (problem) throw new Error(problem);
    return this.db.prepare('INSERT OR IGNORE INTO registry (fid, name, added_at) VALUES (?, ?, ?)').run(fid, name, addedAt).changes === 1;
  }

  /** Removes a facility from the registry (its stored events stay); false when it was not registered. */
  remove(fid: string): boolean {
    return this.db.prepare('DELETE FROM registry WHERE fid = ?').run(fid).changes === 1;
  }

  /** Registered and not disabled. */
  accepts(fid: string): boolean {
    return this.enabledStmt !== null && this.enabledStmt.get(fid) !== undefined;
  }

  list(): RegisteredFacility[] {
    if (this.enabledStmt === null) return [];
    return (this.db.prepare('SELECT * FROM registry ORDER BY fid').all() as RegistryRow[]).map((r) => ({
      fid: r.fid,
      name: r.name,
      addedAt: r.added_at,
      disabled: r.disabled === 1,
      publicKey: r.public_key,
    }));
  }
}
