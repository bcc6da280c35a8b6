import type { PgQuery } from './api-access-pg.js';
import type { ApiTier } from './api-access.js';
import { userExists, userOfRow, withoutHash, type HubUser, type HubUserStore, type HubUserWithHash, type UiLang } from './users.js';

type Row = { name: string; tier: ApiTier; scope: string | null; lang: UiLang; created_at: number; updated_at: number; hash: string };

/** The hub's web users in the PostgreSQL hub database (migration 5), the same rules as `SqliteHubUsers`. */
export class PgHubUsers implements HubUserStore {
  constructor(private readonly q: PgQuery) {}

  async addUser(u: { name: string; tier: ApiTier; scope: string | null; hash: string }, now: number): Promise<void> {
    const r = await this.q('INSERT INTO hub_users (name, tier, scope, hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING', [
      u.name, u.tier, u.scope, u.hash, now,
    ]);
    if (r.rowCount !== 1) throw userExists(u.name);
  }

  async setPassword(name: string, hash: string, now: number): Promise<boolean> {
    return (await this.q('UPDATE hub_users SET hash = $2, updated_at = greatest(updated_at + 1, $3) WHERE name = $1', [name, hash, now])).rowCount === 1;
  }

  async setLang(name: string, lang: UiLang): Promise<boolean> {
    return (await this.q('UPDATE hub_users SET lang = $2 WHERE name = $1', [name, lang])).rowCount === 1;
  }

  async removeUser(name: string): Promise<boolean> {
    return (await this.q('DELETE FROM hub_users WHERE name = $1', [name])).rowCount === 1;
  }

  async users(): Promise<HubUser[]> {
    return (await this.q<Row>('SELECT * FROM hub_users ORDER BY name')).rows.map((r) => withoutHash(userOfRow(r)));
  }

  async user(name: string): Promise<HubUserWithHash | null> {
    const r = (await this.q<Row>('SELECT * FROM hub_users WHERE name = $1', [name])).rows[0];
    return r ? userOfRow(r) : null;
  }
}
