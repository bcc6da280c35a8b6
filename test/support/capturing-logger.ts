import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../agent/ops/index.js';

export interface CapturedLog {
  readonly logger: Logger;
  /** Every JSON line logged so far, parsed. */
  readonly lines: () => Record<string, unknown>[];
  /** The `msg` of lines at error level (50) or above. */
  readonly errors: () => string[];
}

/** The agent's real logger (redaction included) writing to memory, so a test can read what would reach the journal. */
export function capturingLogger(): CapturedLog {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  const lines = (): Record<string, unknown>[] =>
    text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    logger: createLogger({ destination, level: 'debug' }),
    lines,
    errors: () => lines().filter((l) => typeof l.level === 'number' && l.level >= 50).map((l) => `${String(l.msg)} ${JSON.stringify(l.err ?? '')}`),
  };
}
