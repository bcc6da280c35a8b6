import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CameraConfig, FacilityConfig, LocalConfig } from '../config/index.js';
import type { Logger } from '../ops/index.js';
import type { Clock } from '../shared/clock.js';
import { USER_ROLES, type Store, type UserRole } from '../store/index.js';
import type { Mutes } from './mutes.js';
import type { Names } from './names.js';
import type { LoginLimiter, SseHub } from '../../web/index.js';
import type { Session, Sessions } from './sessions.js';
import type { SetupCode } from './setup-code.js';

/** A camera's state as the supervisor reports it (wall times). */
export interface CameraStateView {
  readonly state: 'online' | 'degraded' | 'offline' | 'disabled' | 'starting';
  readonly reason: string | null;
  readonly since: number | null;
  readonly quality: string;
}

/** What the agent knows about its own health, gathered by app.ts (the local stage reads, never reaches in). */
export interface HealthSource {
  readonly uplink: { readonly connected: boolean; readonly hubOnline: boolean | null; readonly backlog: number; readonly oldestPendingAt: number | null };
  readonly diskFreeMb: number | null;
  readonly minFreeMb: number;
  readonly models: readonly { readonly name: string; readonly version: string }[];
  readonly clock: { readonly synced: boolean | null; readonly source: string };
  /** Per running camera: its detection rate, what it lost and why, its pictures (the camera's counters). */
  readonly detection?: readonly CameraDetectionView[];
}

/** One camera's detection as the health page shows it. */
export interface CameraDetectionView {
  readonly id: string;
  readonly priority: 'high' | 'normal' | 'low';
  readonly configuredFps: number;
  /** Frames answered per second over the last minute. */
  readonly effectiveFps: number;
  /** The rate the overload policy runs it at, or null when it runs at its configured rate. */
  readonly slowedToFps: number | null;
  readonly decoded: number;
  readonly dropped: { readonly handoff: number; readonly scheduler: number; readonly budget: number };
  readonly pictures: { readonly made: number; readonly failed: number; readonly skipped: number; readonly cpuP95Ms: number | null };
}

export interface LocalServerOptions {
  readonly config: LocalConfig;
  readonly facility: FacilityConfig;
  readonly storageDir: string;
  readonly cameras: readonly CameraConfig[];
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly version: string;
  /** The camera's current state; null before the supervisor said anything. */
  readonly cameraState?: (id: string) => CameraStateView | null;
  readonly health?: () => HealthSource;
  /** The camera's latest frame as a JPEG with faces blurred; null when there is none. */
  readonly preview?: (cameraId: string) => Promise<Buffer | null>;
  /** Prometheus text for `GET /metrics`; without it the route answers 404. */
  readonly metrics?: () => Promise<{ readonly contentType: string; readonly body: string }>;
  /** Console lines for the operator (the setup code goes here, never to the JSON log). */
  readonly say?: (line: string) => void;
  /** Folder of the page's static files; `agent/local/ui/` beside the module by default. */
  readonly uiDir?: string;
}

/** Everything a route handler may use. */
export interface Deps {
  readonly opts: LocalServerOptions;
  readonly sessions: Sessions;
  readonly limiter: LoginLimiter;
  readonly setup: SetupCode;
  readonly sse: SseHub<Session>;
  readonly tls: boolean;
  readonly cookieName: string;
  /** Cameras with a snooze active as far as the streams were told (to announce one that ends by itself). */
  readonly snoozed: Set<string>;
  /** Per-user alarm mutes (in memory, like the sessions: a restart logs everyone out and so unmutes them). */
  readonly mutes: Mutes;
  /** Names of cameras, lines and zones from the config. */
  readonly names: Names;
  audit(req: IncomingMessage | null, user: string | null, action: string, target: string | null, detail?: Record<string, unknown>): void;
}

export interface Request {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** Path parameters captured by the route's pattern, decoded. */
  readonly params: readonly string[];
  /** Set on every route that needs a login. */
  readonly session: Session;
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly pattern: RegExp;
  /** Roles allowed; `public` routes need no session (and no CSRF token). */
  readonly roles: readonly UserRole[] | 'public';
  readonly handle: (r: Request, d: Deps) => Promise<void> | void;
}

// Who may use what, in terms of the one list of roles (USER_ROLES, the store's).
export const EVERYONE: readonly UserRole[] = USER_ROLES;
/** Those who watch the cameras and act on alerts: everyone but the auditor, who reads the audit log only. */
export const GUARDS: readonly UserRole[] = USER_ROLES.filter((r) => r !== 'auditor');
export const ADMINS: readonly UserRole[] = USER_ROLES.filter((r) => r === 'admin');
export const AUDITORS: readonly UserRole[] = USER_ROLES.filter((r) => r === 'auditor');

/** The page's views and who may open each (sent with the session, so the page draws only what the API allows). */
export const VIEWS: Readonly<Record<string, readonly UserRole[]>> = {
  alerts: GUARDS,
  cameras: GUARDS,
  history: GUARDS,
  health: EVERYONE,
  users: ADMINS,
  audit: AUDITORS,
};
