import type Database from 'better-sqlite3';
import { passwordProblem, userNameProblem } from '../web/index.js';
import { API_TIERS, scopeProblem, type ApiTier } from './api-access.js';
import { openHubSqlite } from './sqlite-file.js';

/**
 * People who sign in to the hub's web view (`qmon hub user add`), beside the API tokens of machines: the same tiers
 * and scopes (`national` everything, `province` the facilities registered with its province, `facility` its fid),
 * an Argon2id password hash (web/passwords.ts, as the guard dashboard's users), the language of their pages.
 * `updated_at` moves on every change that must end the user's open sessions (password, removal); the language does
 * not. Kept like the tokens: in the hub's SQLite file (`SqliteHubUsers`) or the PostgreSQL hub database
 * (`PgHubUsers`, users-pg.ts, migration 5), shared by every hub process.
 */
export type UiLang = 'vi' | 'en';
export const UI_LANGS: readonly UiLang[] = ['vi', 'en'];

export interface HubUser {
  readonly name: string;
  readonly tier: ApiTier;
  /** Province for `province`, fid for `facility`, null for `national`. */
  readonly scope: string | null;
  readonly lang: UiLang;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface HubUserWithHash extends HubUser {
  readonly hash: string;
}

/** What the web view and `qmon hub user` need of a user store; the SQLite one answers synchronously. */
export interface HubUserStore {
  /** Adds a user with an already made hash; throws `userExists` when the name is taken. */
  addUser(u: { name: string; tier: ApiTier; scope: string | null; hash: string }, now: number): void | Promise<void>;
  setPassword(name: string, hash: string, now: number): boolean | Promise<boolean>;
  setLang(name: string, lang: UiLang): boolean | Promise<boolean>;
  removeUser(name: string): boolean | Promise<boolean>;
  users(): HubUser[] | Promise<HubUser[]>;
  user(name: string): HubUserWithHash | null | Promise<HubUserWithHash | null>;
}

export const userExists = (name: string) => new Error(`a user named ${name} exists already (qmon hub user remove ${name} first, or set a password)`);

/** Checks a new user's name, tier, scope and password; the first problem in words (naming the field), or null. */
export function newUserProblem(name: string, tier: string, scope: string | null, password: string): string | null {
  const n = userNameProblem(name);
  if (n) return `user name "${name.slice(0, 40)}": ${n}`;
  if (!API_TIERS.includes(tier as ApiTier)) return `--tier: expected one of ${API_TIERS.join(', ')}, got "${tier.slice(0, 40)}"`;
  const s = scopeProblem(tier, scope);
  if (s) return `--scope: ${s.replace(' token', ' user')}`;
  const p = passwordProblem(password);
  return p ? `password: ${p}` : null;
}

interface UserRow {
  name: string;
  tier: ApiTier;
  scope: string | null;
  lang: UiLang;
  created_at: number;
  updated_at: number;
  hash: string;
}

export function userOfRow(r: UserRow): HubUserWithHash {
  return { name: r.name, tier: r.tier, scope: r.scope, lang: r.lang === 'en' ? 'en' : 'vi', createdAt: Number(r.created_at), updatedAt: Number(r.updated_at), hash: r.hash };
}

export function withoutHash(u: HubUserWithHash): HubUser {
  const { hash: _hash, ...rest } = u;
  return rest;
}

const DDL = `
  CREATE TABLE IF NOT EXISTS hub_users (
    name TEXT PRIMARY KEY, tier TEXT NOT NULL, scope TEXT, hash TEXT NOT NULL, lang TEXT NOT NULL DEFAULT 'vi',
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
  ) STRICT;
`;

/** The users in the hub's SQLite file, through their own connection (as `ApiAccess` keeps the tokens). */
export class SqliteHubUsers implements HubUserStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = openHubSqlite(file);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(DDL);
  }

  addUser(u: { name: string; tier: ApiTier; scope: string | null; hash: string }, now: number): void {
    const r = this.db
      .prepare('INSERT OR IGNORE INTO hub_users (name, tier, scope, hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(u.name, u.tier, u.scope, u.hash, now, now);
    if (r.changes !== 1) throw userExists(u.name);
  }

  setPassword(name: string, hash: string, now: number): boolean {
    // updated_at strictly increases so a session made in the same millisecond still ends.
    return this.db.prepare('UPDATE hub_users SET hash = ?, updated_at = max(updated_at + 1, ?) WHERE name = ?').run(hash, now, name).changes === 1;
  }

  setLang(name: string, lang: UiLang): boolean {
    return this.db.prepare('UPDATE hub_users SET lang = ? WHERE name = ?').run(lang, name).changes === 1;
  }

  removeUser(name: string): boolean {
    return this.db.prepare('DELETE FROM hub_users WHERE name = ?').run(name).changes === 1;
  }

  users(): HubUser[] {
    return (this.db.prepare('SELECT * FROM hub_users ORDER BY name').all() as UserRow[]).map((r) => withoutHash(userOfRow(r)));
  }

  user(name: string): HubUserWithHash | null {
    const r = this.db.prepare('SELECT * FROM hub_users WHERE name = ?').get(name) as UserRow | undefined;
    return r ? userOfRow(r) : null;
  }

  close(): void {
    this.db.close();
  }
}
