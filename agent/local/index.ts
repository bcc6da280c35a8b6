// Public face of the local stage: the guard dashboard served by the agent itself (static page, JSON API, event
// stream), and the user rules the `qmon user` CLI shares with it. Fed by app.ts: `publish(violation)` after each
// recorded revision, `cameraChanged(id)`, and the read-only sources in its options.
export { LocalServer, LocalServerError } from './server.js';
export type { LocalServerOptions, CameraStateView, HealthSource, CameraDetectionView } from './context.js';
export { hashPassword, verifyPassword, passwordProblem, userNameProblem, isRole, ROLES, PASSWORD_MIN } from './passwords.js';
export { csvCell } from '../../web/index.js';
export { TLS_DIR } from './tls-cert.js';
export { dashboardUrl, machineUrl } from './urls.js';
export type { MachineHealth } from './routes-machine.js';
