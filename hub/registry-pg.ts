import type { KeyObject } from 'node:crypto';
import { fidProblem, parsePublicKey } from '../contract/index.js';
import type { RegisteredFacility } from './registry.js';
import type { RegistryView } from './store.js';

/** Where the cache reads the registry from (the PostgreSQL store) and writes an open-registry facility to. */
export interface PgRegistrySource {
  registered(): Promise<RegisteredFacility[]>;
  register(fid: string, name: string | null, publicKey: string | null, at: number): Promise<boolean>;
}

/** Keys stored as text; one that cannot be read trusts nothing (its messages count as unknown_key on arrival). */
function readableKeys(texts: readonly (string | null)[]): KeyObject[] {
  const out: KeyObject[] = [];
  for (const t of texts) {
    if (t === null) continue;
    try {
      out.push(parsePublicKey(t));
    } catch {
      // stored by hand and unreadable
    }
  }
  return out;
}

/** The registry as admission reads it, synchronously: a set of enabled fids refreshed from the table. */
export class PgRegistryCache implements RegistryView {
  private enabled = new Set<string>();
  private keyed = new Map<string, KeyObject[]>();
  constructor(private readonly store: PgRegistrySource) {}
  async refresh(): Promise<void> {
    const rows = (await this.store.registered()).filter((r) => !r.disabled);
    this.enabled = new Set(rows.map((r) => r.fid));
    this.keyed = new Map(rows.map((r) => [r.fid, readableKeys([r.publicKey, r.nextPublicKey])]));
  }
  accepts(fid: string): boolean {
    return this.enabled.has(fid);
  }
  keys(fid: string): KeyObject[] {
    return this.keyed.get(fid) ?? [];
  }
  /** For `--open-registry`: accepted at once here, stored in the background (the insert is idempotent). */
  add(fid: string, name: string | null, addedAt: number): boolean {
    const problem = fidProblem(fid);
    if (problem) throw new Error(problem);
    if (this.enabled.has(fid)) return false;
    this.enabled.add(fid);
    void this.store.register(fid, name, null, addedAt).catch(() => this.enabled.delete(fid));
    return true;
  }
}

