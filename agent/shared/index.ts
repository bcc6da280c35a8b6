export type * from './types.js';
export { systemClock, ManualClock, type Clock } from './clock.js';
export { uuidv7, UUID_V7_RE } from './ids.js';
export { DropLog, DROP_LOG_QUIET_MS, type WarnLogger } from './drop-log.js';
