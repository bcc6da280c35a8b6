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
import { consoleLines, logTarget } from './console.js';
import { helpRequested, printHelp } from './help.js';
import { UserError } from './user-error.js';

const USAGE = `usage: qmon run --config FILE [--duration SECONDS] [--log-level LEVEL] [--log-json]
  Run the agent until SIGINT/SIGTERM (or for --duration seconds). SIGHUP reloads the config file.
  Readable lines on stdout, in the facility's time, and the JSON log in DATA_DIR/logs/qmon.jsonl; with --log-json
  (the service; also under systemd's journal) the JSON log on stdout and the readable lines on stderr.`;

/** Errors a user fixes by changing config or the machine: shown as one line, no stack. */
const USER_FIXABLE = [ConfigError, FfmpegCheckError, ModelError, StoreError, RuleConfigError, LocalServerError];

/** `qmon run --config FILE`: run until SIGINT/SIGTERM (or --duration seconds). */
export async function runCommand(argv: string[]): Promise<number> {
  if (helpRequested(argv)) return printHelp(USAGE);
  let values: { config?: string; duration?: string; 'log-level'?: string; 'log-json'?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        config: { type: 'string', short: 'c' },
        duration: { type: 'string' },
        'log-level': { type: 'string' },
        'log-json': { type: 'boolean' },
      },
    }));
  } catch (e) {
    throw new UserError(`${(e as Error).message}\n${USAGE}`, 2);
  }
  if (!values.config) throw new UserError(USAGE, 2);
  // Everything the agent writes (data dir, databases, snapshots, logs) is for its own user only.
  process.umask(0o077);
  const duration = values.duration === undefined ? null : Number(values.duration);
  if (duration !== null && !(duration > 0)) throw new UserError(`--duration: expected a number of seconds > 0, got "${values.duration}"`, 2);

  const config = await loadConfig(values.config).catch(rethrowUserFixable);
  // A console (terminal or pipe): readable lines, JSON log in a file. The journal: JSON on stdout (console.ts).
  const interactive = logTarget(values['log-json'] === true) === 'console';
  const logFile = join(config.storage.dir, 'logs', 'qmon.jsonl');
  if (interactive) mkdirSync(join(config.storage.dir, 'logs'), { recursive: true, mode: 0o700 });
  const logger = createLogger({
    level: values['log-level'],
    destination: interactive ? pino.destination({ dest: logFile, append: true, sync: false, mkdir: true, mode: 0o600 }) : undefined,
  });
  const line = consoleLines(interactive ? process.stdout : process.stderr, config.facility.timezone);
  const say = (text: string): void => line(redactText(text));
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
  const onHup = (): void => void reloadConfig(values.config!, agent, logger, say);
  process.on('SIGHUP', onHup);
  const service = new ServiceLink({ liveness: (stuckMs) => agent.liveness(stuckMs), logger });
  await service.ready(`running, ${config.cameras.length} camera(s)`);
  await waitForStop(duration, say);
  process.off('SIGHUP', onHup);
  say('stopping: ending cameras, flushing the store, telling the hub');
  await service.stopping();
  await agent.stop();
  const stats = agent.stats();
  logger.info({ stats }, 'agent stopped');
  summarise(stats, say);
  logger.flush();
  return 0;
}

/**
 * SIGHUP: the file is loaded and validated as at start; when it has errors they are logged (file:line:col) and the
 * running config stays. Otherwise the agent applies it camera by camera (unchanged cameras keep running).
 */
async function reloadConfig(file: string, agent: Agent, logger: ReturnType<typeof createLogger>, say: (l: string) => void): Promise<void> {
  say(`SIGHUP received: reloading ${file}`);
  let next;
  try {
    next = await loadConfig(file);
  } catch (e) {
    const text = e instanceof ConfigError ? e.format() : (e as Error).message;
    say(`config reload refused; the running config stays:\n${text}`);
    logger.error({ file, errors: text.split('\n') }, 'config reload refused; the running config stays');
    return;
  }
  try {
    await agent.reload(next);
  } catch (err) {
    say(`config reload failed: ${(err as Error).message}`);
    logger.error({ err, file }, 'config reload failed');
  }
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

const ms = (v: number | null): string => (v === null ? '-' : `${Math.round(v)} ms`);

function summarise(stats: ReturnType<Agent['stats']>, say: (l: string) => void): void {
  for (const [id, c] of Object.entries(stats.cameras)) {
    const d = c.droppedBy;
    const p = c.pictures;
    say(
      `camera ${id}: ${c.decoded} frames decoded, ${c.inferences} inferences (${c.regions} regions), ${c.gated} gated, ` +
        `${c.stationarySkipped} stationary skipped, ${c.dropped} dropped (hand-off ${d.handoff}, scheduler ${d.scheduler}, budget ${d.budget}), ` +
        `${c.persons} person boxes, ${c.violations} violations, pictures ${p.made} made / ${p.failed} failed / ${p.skipped} skipped ` +
        `(${p.deferred} waited; CPU p50 ${ms(p.cpuP50Ms)}, p95 ${ms(p.cpuP95Ms)}), ${c.errors} errors, ${c.restarts} restarts`,
    );
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

