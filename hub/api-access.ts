import { createHash, randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { openHubSqlite } from './sqlite-file.js';
import { FID_RE } from '../contract/index.js';

/**
 * Who may read the hub's HTTP API, and the record of what they read. Tiers as in the 2021 system:
 * `national` sees everything, `province` the facilities registered with its province, `facility` its
 * own fid. Tokens are shown once at creation and stored only as sha256 (a leaked database gives no
 * usable token). Every snapshot read and every events export is written to `access_log`.
 *
 * Two implementations of `ApiAccessStore`: `ApiAccess` keeps the tables in the hub's SQLite file through
 * its own connection (so the storage of events stays where hub-db.ts has it); `PgApiAccess`
 * (api-access-pg.ts) keeps them in the PostgreSQL hub database (migration 3).
 */
export type ApiTier = 'national' | 'province' | 'facility';
export const API_TIERS: readonly ApiTier[] = ['national', 'province', 'facility'];

export interface ApiPrincipal {
  readonly name: string;
  readonly tier: ApiTier;
  /** Province name for `province`, fid for `facility`, null for `national`. */
  readonly scope: string | null;
}

export interface ApiTokenInfo extends ApiPrincipal {
  readonly createdAt: number;
  readonly revoked: boolean;
}

export interface AccessRecord {
  readonly at: number;
  /** The API token's name, or `user:NAME` for a person signed in to the web view. */
  readonly token: string;
  /**
   * API: `snapshot`, `events`. Web view: `login`, `login_failed`, `logout`, `picture` (an alert's picture viewed),
   * `facility` (a facility page), `alerts` (a filtered alert list), `review` (an alert marked reviewed), `export`,
   * `denied` (a request outside the user's scope: URL tampering).
   */
  readonly action: 'snapshot' | 'events' | 'login' | 'login_failed' | 'logout' | 'picture' | 'facility' | 'alerts' | 'review' | 'export' | 'denied' | 'survey';
  readonly fid: string | null;
  readonly detail: string | null;
  readonly status: number;
}

const DDL = `
  CREATE TABLE IF NOT EXISTS api_tokens (
    name TEXT PRIMARY KEY, tier TEXT NOT NULL, scope TEXT, sha256 TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0
  ) STRICT;
  CREATE TABLE IF NOT EXISTS access_log (
    id INTEGER PRIMARY KEY, at INTEGER NOT NULL, token TEXT NOT NULL, action TEXT NOT NULL,
    fid TEXT, detail TEXT, status INTEGER NOT NULL
  ) STRICT;
`;

/** What the HTTP API and `qmon hub token` need of a token store; the SQLite one answers synchronously. */
export interface ApiAccessStore {
  addToken(name: string, tier: string, scope: string | null, now: number): string | Promise<string>;
  revoke(name: string): boolean | Promise<boolean>;
  tokens(): ApiTokenInfo[] | Promise<ApiTokenInfo[]>;
  authenticate(token: string): ApiPrincipal | null | Promise<ApiPrincipal | null>;
  log(r: AccessRecord): void | Promise<void>;
  accessLog(limit?: number): AccessRecord[] | Promise<AccessRecord[]>;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const TOKEN_PREFIX = 'qmt_';

export const tokenSha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A presented token that could be one of ours (checked before any lookup). */
export const plausibleToken = (token: string): boolean => token.startsWith(TOKEN_PREFIX) && token.length <= 200;

/** Checks name, tier and scope and makes a new token; throws a plain error naming the problem. */
export function mintToken(name: string, tier: string, scope: string | null): { token: string; sha256: string } {
  if (!NAME_RE.test(name)) throw new Error(`token name must be 1-64 letters, digits, "_", "." or "-", got "${name.slice(0, 40)}"`);
  const problem = scopeProblem(tier, scope);
  if (problem) throw new Error(problem);
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  return { token, sha256: tokenSha256(token) };
}

export const tokenExists = (name: string) => new Error(`a token named ${name} exists already (revoke it first)`);

/** Checks a tier and scope pair; the problem in words, or null. */
export function scopeProblem(tier: string, scope: string | null): string | null {
  if (!API_TIERS.includes(tier as ApiTier)) return `tier must be one of ${API_TIERS.join(', ')}, got "${tier.slice(0, 40)}"`;
  if (tier === 'national') return scope === null ? null : 'a national token has no scope';
  if (scope === null || scope.trim() === '') return `a ${tier} token needs a scope (${tier === 'province' ? 'the province' : 'the fid'})`;
  if (tier === 'facility' && !FID_RE.test(scope)) return `scope of a facility token must be a fid, got "${scope.slice(0, 40)}"`;
  return scope.length > 100 ? 'scope is longer than 100 characters' : null;
}

export class ApiAccess implements ApiAccessStore {
  private readonly db: Database.Database;

  /** Opens (creating the tables in) the hub database file. */
  constructor(file: string) {
    this.db = openHubSqlite(file);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(DDL);
  }

  /** Creates a token and returns it: the only time it is ever shown. Throws on a bad name/tier/scope or a name in use. */
  addToken(name: string, tier: string, scope: string | null, now: number): string {
    const { token, sha256 } = mintToken(name, tier, scope);
    const inserted = this.db
      .prepare('INSERT OR IGNORE INTO api_tokens (name, tier, scope, sha256, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(name, tier, scope, sha256, now).changes;
    if (inserted !== 1) throw tokenExists(name);
    return token;
  }

  revoke(name: string): boolean {
    return this.db.prepare('UPDATE api_tokens SET revoked = 1 WHERE name = ? AND revoked = 0').run(name).changes === 1;
  }

  tokens(): ApiTokenInfo[] {
    const rows = this.db.prepare('SELECT name, tier, scope, created_at, revoked FROM api_tokens ORDER BY name').all() as {
      name: string;
      tier: ApiTier;
      scope: string | null;
      created_at: number;
      revoked: number;
    }[];
    return rows.map((r) => ({ name: r.name, tier: r.tier, scope: r.scope, createdAt: r.created_at, revoked: r.revoked === 1 }));
  }

  /** The principal of a presented token, or null (unknown or revoked). */
  authenticate(token: string): ApiPrincipal | null {
    if (!plausibleToken(token)) return null;
    const row = this.db.prepare('SELECT name, tier, scope FROM api_tokens WHERE sha256 = ? AND revoked = 0').get(tokenSha256(token)) as ApiPrincipal | undefined;
    return row ? { name: row.name, tier: row.tier, scope: row.scope } : null;
  }

  log(r: AccessRecord): void {
    this.db.prepare('INSERT INTO access_log (at, token, action, fid, detail, status) VALUES (?, ?, ?, ?, ?, ?)').run(r.at, r.token, r.action, r.fid, r.detail, r.status);
  }

  accessLog(limit = 100): AccessRecord[] {
    return this.db.prepare('SELECT at, token, action, fid, detail, status FROM access_log ORDER BY id DESC LIMIT ?').all(limit) as AccessRecord[];
  }

  close(): void {
    this.db.close();
  }
}
