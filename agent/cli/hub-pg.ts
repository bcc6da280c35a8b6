import { PgHubStore } from '../../hub/index.js';
import { redactText } from '../ops/index.js';
import { UserError } from './user-error.js';

/**
 * Opens a PostgreSQL hub database for `qmon hub run | token | facility | status`. The URL names host,
 * port and database; the password never rides in a process argument (PGPASSWORD or ~/.pgpass).
 */
export async function openPgStore(url: string): Promise<PgHubStore> {
  refusePasswordInUrl(url);
  try {
    return await PgHubStore.open(url);
  } catch (e) {
    throw new UserError(`cannot open the hub database ${redactText(url)}: ${(e as Error).message}`);
  }
}

/** Throws a usage error when the URL carries a password (it would show in `ps` to every user). */
export function refusePasswordInUrl(url: string): void {
  if (/^postgres(?:ql)?:\/\/[^/@]*:[^/@]*@/.test(url)) {
    throw new UserError('--db: put the PostgreSQL password in PGPASSWORD or ~/.pgpass, not in the URL (process arguments are visible to every user)', 2);
  }
}
