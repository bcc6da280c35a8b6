import { pino, type Logger, type DestinationStream } from 'pino';
import { redactText, redactValue } from './redact.js';

export type { Logger } from 'pino';

export interface LoggerOptions {
  level?: string;
  /** Where JSON lines go; stdout (journald) by default. Tests pass a capturing stream. */
  destination?: DestinationStream;
  name?: string;
}

/**
 * The one logger factory. Every object and message passes through the redaction layer, so a
 * caller that logs a raw config section or an ffmpeg stderr line cannot leak a camera password.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  return pino(
    {
      name: opts.name ?? 'qmon',
      level: opts.level ?? process.env.QMON_LOG_LEVEL ?? 'info',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        log: (obj) => redactValue(obj) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          // pino's message is the first string argument (or the one after a merge object).
          const redacted = args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as typeof args;
          method.apply(this, redacted);
        },
      },
      serializers: { err: (e: unknown) => redactValue(e) },
    },
    opts.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}

/** A logger that discards everything; for tests of code that requires one. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
