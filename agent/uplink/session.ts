import type { Logger } from '../ops/index.js';
import { StoreFullError, type Store } from '../store/index.js';

/**
 * The next MQTT session number, persisted. On a full disk it is kept in memory only (one more than
 * any seen), so the agent can still reach the hub, and report the disk, instead of failing every
 * connection attempt.
 */
export function nextSession(store: Store, current: number, logger: Logger): number {
  try {
    return store.nextSession();
  } catch (e) {
    if (!(e instanceof StoreFullError)) throw e;
    logger.warn('store full: MQTT session counter not persisted this time');
    return Math.max(current, store.currentSession()) + 1;
  }
}
