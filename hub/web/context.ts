import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoginLimiter, Session, Sessions, SseHub } from '../../web/index.js';
import type { AccessRecord, ApiAccessStore, ApiTier } from '../api-access.js';
import type { HubReadModel } from '../http.js';
import type { AlertReview, AlertReviewStore } from '../reviews.js';
import type { HubUserStore, UiLang } from '../users.js';

/** Who is signed in: the user's row as read on this request (tier and scope are never taken from the session). */
export interface WebPrincipal {
  readonly name: string;
  readonly tier: ApiTier;
  readonly scope: string | null;
  readonly lang: UiLang;
}

export type HubSession = Session<ApiTier>;

export interface HubWebOptions {
  readonly users: HubUserStore;
  /** The access log (the API tokens' store): logins, pictures, facility pages, reviews, refusals. */
  readonly access: ApiAccessStore;
  readonly reviews: AlertReviewStore;
  /** Wall clock (ms). */
  readonly now: () => number;
  /** The session cookie gets `Secure` (set when the hub is reached over TLS, e.g. behind a TLS proxy). */
  readonly secureCookie?: boolean;
  /** Sessions: idle and absolute limits. */
  readonly idleMs?: number;
  readonly maxMs?: number;
  /** The page's files (default: ui/ beside this module). */
  readonly uiDir?: string;
  /** Called after a review is stored: the in-process feed publishes it (SQLite); PostgreSQL NOTIFYs it itself. */
  readonly afterReview?: (r: AlertReview) => void;
}

export interface WebDeps {
  readonly opts: HubWebOptions;
  readonly model: HubReadModel;
  readonly sessions: Sessions<ApiTier>;
  readonly limiter: LoginLimiter;
  readonly sse: SseHub<HubSession>;
  readonly cookieName: string;
  /** Session id → the user's scope at login (the live stream's filter; the session carries the tier as its role). */
  readonly scopes: Map<string, string | null>;
  /** Writes one access-log row (awaited: a read the log cannot record is not served). */
  log(who: string, action: AccessRecord['action'], fid: string | null, detail: string | null, status: number): Promise<void>;
}

export interface WebRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly session: HubSession;
  readonly who: WebPrincipal;
  /** Path groups of the route's pattern. */
  readonly params: readonly string[];
}
