// Public face of web/: the pieces both web servers are made of — the guard dashboard on the agent (agent/local/) and
// the hub's web view (hub/web/). One definition each: sessions and CSRF, the Host/Origin check, the login lockout,
// Argon2id passwords, the JSON/security-header helpers with the strict CSP, static page files, server-sent events.
export { Sessions, csrfMatches, readCookie, type Session, type SessionLimits } from './sessions.js';
export { allowedHosts, hostAllowed, originAllowed } from './host-check.js';
export { LoginLimiter, LOCKOUT } from './rate-limit.js';
export { hashPassword, verifyPassword, dummyHash, passwordProblem, userNameProblem, PASSWORD_MIN, PASSWORD_MAX } from './passwords.js';
export { HttpError, MAX_BODY_BYTES, CSP, securityHeaders, safeJson, sendJson, sendBytes, readJson, stringField, clientIp } from './http.js';
export { StaticFiles } from './static.js';
export { SseHub, SSE } from './sse.js';
export { csvCell, csvLine } from './csv.js';
