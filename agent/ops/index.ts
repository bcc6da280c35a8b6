export { createLogger, silentLogger, type Logger, type LoggerOptions } from './logger.js';
export { redactText, redactValue, REDACTED } from './redact.js';
