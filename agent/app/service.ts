/**
 * The agent as a systemd `Type=notify` service: READY=1 once start() has brought up models, store, uplink and the
 * cameras' pipelines, WATCHDOG=1 only while the agent is alive (see ServiceWatchdog), STOPPING=1 on the way out.
 * Outside systemd (no NOTIFY_SOCKET) every call is a no-op.
 */
import { ServiceWatchdog, systemdNotifier, watchdogIntervalMs, type Logger, type LivenessReport, type ServiceNotifier } from '../ops/index.js';
import { realTimers, type Timers } from '../shared/index.js';

/** A camera that says it streams but handled no frame for this long is stuck (its supervisor's stall timeout is shorter). */
export const PIPELINE_STUCK_MS = 60_000;

export interface ServiceLinkOptions {
  readonly liveness: (stuckMs: number) => LivenessReport;
  readonly logger: Logger;
  readonly env?: NodeJS.ProcessEnv;
  readonly notifier?: ServiceNotifier | null;
  readonly timers?: Timers;
}

export class ServiceLink {
  private readonly notifier: ServiceNotifier | null;
  private watchdog: ServiceWatchdog | null = null;

  constructor(private readonly opts: ServiceLinkOptions) {
    this.notifier = opts.notifier !== undefined ? opts.notifier : systemdNotifier({ env: opts.env ?? process.env });
  }

  async ready(status: string): Promise<void> {
    if (!this.notifier) return;
    if (!(await this.notifier.notify({ READY: '1', STATUS: status }))) this.opts.logger.warn('systemd-notify READY=1 failed; systemd may time the start out');
    const intervalMs = watchdogIntervalMs(this.opts.env ?? process.env);
    if (intervalMs === null) return;
    this.watchdog = new ServiceWatchdog({
      notifier: this.notifier,
      intervalMs,
      liveness: () => this.opts.liveness(PIPELINE_STUCK_MS),
      timers: this.opts.timers ?? realTimers,
      onProblem: (problems) => this.opts.logger.error({ problems }, 'watchdog ping withheld: the agent is not healthy; systemd restarts it if this lasts'),
    });
    this.watchdog.start();
  }

  async stopping(): Promise<void> {
    await this.watchdog?.stop();
    await this.notifier?.notify({ STOPPING: '1' });
  }
}
