import type { AlertReview } from './reviews.js';
import type { RecentEvent } from './summary.js';

/**
 * What the web view's live alert list hears: events the hub committed and reviews officers made. With PostgreSQL
 * several hub processes share the database, so each process's web clients must see what any process committed:
 * the store NOTIFYs `qmon_web` inside the committing transaction (PostgreSQL delivers it on commit, never for a
 * rolled-back one) and every process LISTENs (`PgHubStore.listenWeb`). With SQLite there is one process: the hub's own
 * `event` emissions (after commit) and the web view's reviews go through a `LocalFeed`.
 */
export const WEB_CHANNEL = 'qmon_web';
/** PostgreSQL's NOTIFY payload limit is 8000 bytes; a revision's alert-list form is ~300. */
export const EVENTS_PER_NOTIFY = 16;

export type FeedMessage = { readonly kind: 'event'; readonly events: readonly RecentEvent[] } | { readonly kind: 'review'; readonly review: AlertReview };
export type FeedListener = (m: FeedMessage) => void;

export interface HubFeed {
  subscribe(l: FeedListener): () => void;
}

/** The in-process feed (one hub process, SQLite). */
export class LocalFeed implements HubFeed {
  private readonly listeners = new Set<FeedListener>();

  publish(m: FeedMessage): void {
    for (const l of [...this.listeners]) l(m);
  }

  subscribe(l: FeedListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}

/** A notification's payload, or null when it is not one of ours (tolerant: unknown kinds are ignored). */
export function parseFeedMessage(text: string): FeedMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const m = v as { kind?: unknown; events?: unknown; review?: unknown };
  if (m.kind === 'event' && Array.isArray(m.events)) return { kind: 'event', events: m.events as RecentEvent[] };
  if (m.kind === 'review' && typeof m.review === 'object' && m.review !== null) return { kind: 'review', review: m.review as AlertReview };
  return null;
}
