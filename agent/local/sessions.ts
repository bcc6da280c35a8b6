import { Sessions as WebSessions, type Session as WebSession } from '../../web/index.js';
import type { UserRole } from '../store/index.js';

// The session store is the web module's (one definition for the dashboard and the hub); here with the dashboard's roles.
export type Session = WebSession<UserRole>;
export class Sessions extends WebSessions<UserRole> {}
export { csrfMatches, readCookie } from '../../web/index.js';
