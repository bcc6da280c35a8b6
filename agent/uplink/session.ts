import type { Logger } from '../ops/index.js';
import { StoreFullError, type Store } from '../store/index.js';

/**
 * The MQTT session number: it must never go back for one facility, not even when its store does (a disk swap, a
 * purge and reinstall: the hub would show the running facility offline, its statuses being "older"). So the next
 * session is the wall clock in seconds since the epoch, or one more than the last one when that is higher (several
 * attempts within a second, a clock stepped back); and never below a floor the hub gave (`cmd/rebase`), for a
 * clock that is behind. Persisted before the attempt (the Will carries it). On a full disk it is kept in memory only
 * (one more than any seen), so the agent can still reach the hub, and report the disk.
 */
export function nextSession(store: Store, current: number, wallMs: number, logger: Logger): number {
  const byClock = Math.floor(wallMs / 1000);
  try {
    return store.nextSession(byClock);
  } catch (e) {
    if (!(e instanceof StoreFullError)) throw e;
    logger.warn('store full: MQTT session counter not persisted this time');
    return Math.max(current + 1, store.currentSession() + 1, byClock);
  }
}
