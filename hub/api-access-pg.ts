import { mintToken, plausibleToken, tokenExists, tokenSha256, type AccessRecord, type ApiAccessStore, type ApiPrincipal, type ApiTier, type ApiTokenInfo } from './api-access.js';

/** One parameterised statement on the hub database (the PostgreSQL store's pool, with its retries). */
export type PgQuery = <R extends Record<string, unknown>>(sql: string, params?: unknown[]) => Promise<{ rows: R[]; rowCount: number | null }>;

/**
 * The API tokens and access log in the PostgreSQL hub database (tables of migration 3), with the same
 * rules as the SQLite `ApiAccess`: tokens stored only as sha256, shown once, revoked never deleted.
 * Every hub process sharing the database authenticates against, and logs into, the same tables.
 */
export class PgApiAccess implements ApiAccessStore {
  constructor(private readonly q: PgQuery) {}

  async addToken(name: string, tier: string, scope: string | null, now: number): Promise<string> {
    const { token, sha256 } = mintToken(name, tier, scope);
    const r = await this.q('INSERT INTO api_tokens (name, tier, scope, sha256, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
      name, tier, scope, sha256, now,
    ]);
    if (r.rowCount !== 1) throw tokenExists(name);
    return token;
  }

  async revoke(name: string): Promise<boolean> {
    return (await this.q('UPDATE api_tokens SET revoked = true WHERE name = $1 AND NOT revoked', [name])).rowCount === 1;
  }

  async tokens(): Promise<ApiTokenInfo[]> {
    const r = await this.q<{ name: string; tier: ApiTier; scope: string | null; created_at: number; revoked: boolean }>(
      'SELECT name, tier, scope, created_at, revoked FROM api_tokens ORDER BY name',
    );
    return r.rows.map((x) => ({ name: x.name, tier: x.tier, scope: x.scope, createdAt: x.created_at, revoked: x.revoked }));
  }

  async authenticate(token: string): Promise<ApiPrincipal | null> {
    if (!plausibleToken(token)) return null;
    const r = await this.q<{ name: string; tier: ApiTier; scope: string | null }>('SELECT name, tier, scope FROM api_tokens WHERE sha256 = $1 AND NOT revoked', [
      tokenSha256(token),
    ]);
    const row = r.rows[0];
    return row ? { name: row.name, tier: row.tier, scope: row.scope } : null;
  }

  async log(a: AccessRecord): Promise<void> {
    await this.q('INSERT INTO access_log (at, token, action, fid, detail, status) VALUES ($1, $2, $3, $4, $5, $6)', [a.at, a.token, a.action, a.fid, a.detail, a.status]);
  }

  async accessLog(limit = 100): Promise<AccessRecord[]> {
    const r = await this.q<{ at: number; token: string; action: AccessRecord['action']; fid: string | null; detail: string | null; status: number }>(
      'SELECT at, token, action, fid, detail, status FROM access_log ORDER BY id DESC LIMIT $1',
      [limit],
    );
    return r.rows.map((x) => ({ at: x.at, token: x.token, action: x.action, fid: x.fid, detail: x.detail, status: x.status }));
  }
}
