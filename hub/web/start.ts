import type { ApiAccessStore } from '../api-access.js';
import { LocalFeed, parseFeedMessage } from '../feed.js';
import type { ReferenceHub } from '../hub.js';
import { SqliteAlertReviews } from '../reviews.js';
import type { PgHubStore } from '../store-pg.js';
import { recentEventOf } from '../summary.js';
import { SqliteHubUsers } from '../users.js';
import { HubWeb } from './server.js';

export interface StartedHubWeb {
  readonly web: HubWeb;
  stop(): Promise<void>;
}

/**
 * The web view of a running hub, on its store: with PostgreSQL the users and reviews are tables of the hub database
 * and the live list hears every process's commits (LISTEN); with SQLite they are in the hub's file and the live
 * list hears this process's commits (its `event` emissions, which follow the commit) and reviews.
 */
export async function startHubWeb(
  hub: ReferenceHub,
  store: PgHubStore | undefined,
  dbFile: string,
  access: ApiAccessStore,
  opts: { now?: () => number; secureCookie?: boolean } = {},
): Promise<StartedHubWeb> {
  const now = opts.now ?? Date.now;
  const feed = new LocalFeed();
  let stopListening: (() => Promise<void>) | null = null;
  const sqlite = store === undefined ? { users: new SqliteHubUsers(dbFile), reviews: new SqliteAlertReviews(dbFile) } : null;
  if (store !== undefined) {
    stopListening = await store.listenWeb((text) => {
      const m = parseFeedMessage(text);
      if (m) feed.publish(m);
    });
  } else {
    hub.on('event', ({ event, duplicate }) => {
      if (!duplicate) feed.publish({ kind: 'event', events: [recentEventOf(event, now())] });
    });
  }
  const web = new HubWeb(
    hub,
    {
      users: store?.users ?? sqlite!.users,
      reviews: store?.reviews ?? sqlite!.reviews,
      access,
      now,
      ...(opts.secureCookie === true && { secureCookie: true }),
      ...(sqlite && { afterReview: (review) => feed.publish({ kind: 'review', review }) }),
    },
    feed,
  );
  return {
    web,
    stop: async () => {
      web.stop();
      await stopListening?.();
      sqlite?.users.close();
      sqlite?.reviews.close();
    },
  };
}
