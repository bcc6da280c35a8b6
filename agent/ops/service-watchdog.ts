/**
 * Pings systemd's watchdog only while the agent is really working, so a hung agent is restarted, not only a crashed
 * one. Each tick asks `liveness()`: the tick itself proves the main loop turns; the answer says whether every camera
 * pipeline produced a frame recently (or is in a known non-streaming state that its supervisor handles) and whether
 * the store answers. Any problem: no WATCHDOG=1 this tick, and the reason goes to the log and to STATUS=.
 */
import type { Timers } from '../shared/index.js';
import type { ServiceNotifier } from './sd-notify.js';

export interface LivenessReport {
  /** Empty when everything is alive; otherwise one short reason per stuck part. */
  readonly problems: readonly string[];
}

export interface CameraLiveness {
  readonly id: string;
  /** The supervisor's state name (`starting`, `online`, `offline`, `degraded`, `stopped`). */
  readonly state: string;
  /** Monotonic ms of the last frame the pipeline handled, null before the first. */
  readonly lastFrameAt: number | null;
  /** Monotonic ms since when the camera is in its current state. */
  readonly since: number;
}

/**
 * A pipeline is stuck when its supervisor says it is online/degraded (frames should flow) yet the pipeline has not
 * handled one for `stuckMs`. Offline, starting and stopped cameras are the supervisor's business (it backs off and
 * restarts ffmpeg, and reports them to the hub); restarting the whole agent would not help them.
 */
export function cameraProblems(cameras: readonly CameraLiveness[], now: number, stuckMs: number): string[] {
  const out: string[] = [];
  for (const c of cameras) {
    if (c.state !== 'online' && c.state !== 'degraded') continue;
    const last = c.lastFrameAt ?? c.since;
    if (now - last > stuckMs) out.push(`camera ${c.id} is ${c.state} but its pipeline handled no frame for ${Math.round((now - last) / 1000)} s`);
  }
  return out;
}

export interface ServiceWatchdogOptions {
  readonly notifier: ServiceNotifier;
  readonly intervalMs: number;
  readonly liveness: () => LivenessReport;
  readonly timers: Timers;
  readonly onProblem?: (problems: readonly string[]) => void;
}

export class ServiceWatchdog {
  private handle: unknown = null;
  private stopped = false;
  /** Counted for the operator: pings sent, ticks withheld because something was stuck, sends that failed. */
  readonly counters = { pings: 0, withheld: 0, sendFailures: 0 };
  private lastProblem = '';
  private inflight: Promise<void> | null = null;

  constructor(private readonly opts: ServiceWatchdogOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Resolves once a tick in flight has finished, so nothing is sent after the caller's STOPPING=1. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.opts.timers.clearTimeout(this.handle);
    await this.inflight;
  }

  /** One check; exposed so tests drive it with a manual clock. */
  async tick(): Promise<void> {
    let problems: readonly string[];
    try {
      problems = this.opts.liveness().problems;
    } catch (e) {
      problems = [`liveness check failed: ${(e as Error).message}`];
    }
    if (problems.length > 0) {
      this.counters.withheld++;
      // Logged every withheld tick: with pings at half the period, systemd restarts the agent after two of them.
      const text = problems.join('; ');
      this.opts.onProblem?.(problems);
      this.lastProblem = text;
      await this.send({ STATUS: `watchdog withheld: ${text}` });
      return;
    }
    if (this.lastProblem) await this.send({ STATUS: 'running' });
    this.lastProblem = '';
    if (await this.send({ WATCHDOG: '1' })) this.counters.pings++;
  }

  private async send(fields: Record<string, string>): Promise<boolean> {
    const ok = await this.opts.notifier.notify(fields);
    if (!ok) this.counters.sendFailures++;
    return ok;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.handle = this.opts.timers.setTimeout(() => {
      this.inflight = this.tick().finally(() => {
        this.inflight = null;
        this.schedule();
      });
    }, this.opts.intervalMs);
  }
}
