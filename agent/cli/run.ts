import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Agent, ServiceLink } from '../app.js';
import { ConfigError, loadConfig, analyseConfig } from '../config/index.js';
import { FfmpegCheckError } from '../decode/index.js';
import { ModelError } from '../vision/index.js';
import { StoreError } from '../store/index.js';
import { RuleConfigError } from '../rules/index.js';
import { LocalServerError } from '../local/index.js';
import { createLogger, redactText } from '../ops/index.js';
import { UserError } from './user-error.js';

/** Errors a user fixes by changing config or the machine: shown as one line, no stack. */
const USER_FIXABLE = [ConfigError, FfmpegCheckError, ModelError, StoreError, RuleConfigError, LocalServerError];

/** `qmon run --config FILE`: run until SIGINT/SIGTERM (or --duration seconds). */
export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      duration: { type: 'string' },
      'log-level': { type: 'string' },
      'log-json': { type: 'boolean' },
    },
  });
  if (!values.config) throw new UserError('usage: qmon run --config FILE [--duration SECONDS]', 2);
  const duration = values.duration === undefined ? null : Number(values.duration);
  if (duration !== null && !(duration > 0)) throw new UserError(`--duration: expected a number of seconds > 0, got "${values.duration}"`, 2);

  const config = await loadConfig(values.config).catch(rethrowUserFixable);
  // Interactive: readable lines on the terminal, JSON log in a file. Service/CI: JSON on stdout (journald).
  const interactive = process.stdout.isTTY && !values['log-json'];
  const logFile = join(config.storage.dir, 'logs', 'qmon.jsonl');
  if (interactive) mkdirSync(join(config.storage.dir, 'logs'), { recursive: true });
  const logger = createLogger({
    level: values['log-level'],
    destination: interactive ? pino.destination({ dest: logFile, append: true, sync: false, mkdir: true }) : undefined,
  });
  const out = interactive ? process.stdout : process.stderr;
  const say = (line: string): void => {
    out.write(`${new Date().toISOString().slice(11, 19)}  ${redactText(line)}\n`);
  };
  for (const w of (await analyseConfig(values.config)).warnings) {
    say(`config warning: ${w.path}: ${w.message}`);
    logger.warn({ path: w.path }, `config warning: ${w.message}`);
  }
  if (interactive) say(`JSON log: ${logFile}`);

  const agent = new Agent({ config, logger, say });
  try {
    await agent.start();
  } catch (e) {
    await agent.stop().catch(() => undefined);
    rethrowUserFixable(e);
  }
  const service = new ServiceLink({ liveness: (stuckMs) => agent.liveness(stuckMs), logger });
  await service.ready(`running, ${config.cameras.length} camera(s)`);
  await waitForStop(duration, say);
  say('stopping: ending cameras, flushing the store, telling the hub');
  await service.stopping();
  await agent.stop();
  const stats = agent.stats();
  logger.info({ stats }, 'agent stopped');
  summarise(stats, say);
  logger.flush();
  return 0;
}

function waitForStop(durationS: number | null, say: (l: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = (why: string): void => {
      say(why);
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      clearTimeout(timer);
      resolve();
      // A second Ctrl-C while stopping means "now": do not leave the user stuck.
      process.once('SIGINT', () => process.exit(130));
    };
    const onInt = (): void => done('SIGINT received');
    const onTerm = (): void => done('SIGTERM received');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const timer = durationS === null ? undefined : setTimeout(() => done(`--duration ${durationS}s reached`), durationS * 1000);
  });
}

function summarise(stats: ReturnType<Agent['stats']>, say: (l: string) => void): void {
  for (const [id, c] of Object.entries(stats.cameras)) {
    say(`camera ${id}: ${c.frames} frames, ${c.inferences} inferences, ${c.persons} person boxes, ${c.violations} violations, ${c.restarts} restarts`);
  }
  const o = stats.outbox;
  say(`outbox: ${o.acked} acked, ${o.sent} sent awaiting ACK, ${o.pending} pending`);
  if (stats.hub) say(`embedded hub: ${stats.hub.received} received, ${stats.hub.duplicates} duplicates, ${stats.hub.acked} acked`);
}

function rethrowUserFixable(e: unknown): never {
  if (e instanceof ConfigError) throw new UserError(e.format());
  if (USER_FIXABLE.some((cls) => e instanceof cls)) throw new UserError((e as Error).message);
  throw e;
}

