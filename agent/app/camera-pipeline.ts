import type { CameraSupervisor } from '../camera/index.js';
import { DetectRateMonitor } from './detect-rate.js';
import { FrameStep, type CameraPipelineStats, type FrameDetector, type FrameStepParts } from './frame-step.js';

export type { CameraPipelineStats };

export interface CameraPipelineParts extends FrameStepParts {
  readonly supervisor: Pick<CameraSupervisor, 'start' | 'stop' | 'frames'>;
  /** Shared across cameras: motion gate, latest-wins per camera, fair round-robin over one person model. */
  readonly vision: FrameDetector;
  /** The camera's configured detect fps: below ~90 % of it while losing frames, the camera is overloaded. */
  readonly detectFps?: number;
  /** Called when the camera becomes overloaded (true) or carries its rate again (false). */
  readonly onOverload?: (overloaded: boolean, effectiveFps: number) => void;
}

/**
 * One camera's frames through the per-frame step (frame-step.ts). The supervisor hands frames over latest-wins, so
 * while the detector is busy older frames are dropped rather than queued; each one dropped there shows as a gap in
 * the supervisor's `seq` and is counted in `stats.dropped`.
 */
export class CameraPipeline {
  /** Monotonic time of the newest frame seen, for the heartbeat's frame age. */
  lastFrameAt: number | null = null;
  private readonly step: FrameStep;
  private readonly rate: DetectRateMonitor | null;
  private lastSeq: number | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly p: CameraPipelineParts) {
    this.step = new FrameStep(p);
    this.rate = p.detectFps ? new DetectRateMonitor({ fps: p.detectFps }) : null;
  }

  get stats(): CameraPipelineStats {
    return this.step.stats;
  }

  /** True while the camera loses frames inside the agent and is answered below its configured detect fps. */
  get overloaded(): boolean {
    return this.rate?.overloaded ?? false;
  }

  start(): void {
    this.p.supervisor.start();
    this.loop = this.run();
  }

  /** Stops the camera; the loop ends when the supervisor closes its frame stream. */
  async stop(): Promise<void> {
    await this.p.supervisor.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    const s = this.step.stats;
    for await (const frame of this.p.supervisor.frames()) {
      this.lastFrameAt = frame.ts;
      // The supervisor numbers frames per camera across restarts; a gap is frames its mailbox replaced unread.
      const gap = this.lastSeq === null ? 0 : frame.seq - this.lastSeq - 1;
      this.lastSeq = frame.seq;
      const before = { dropped: s.dropped, answered: s.inferences + s.gated };
      this.step.countLostBefore(gap);
      await this.step.process(frame);
      const answered = s.inferences + s.gated > before.answered;
      if (this.rate?.note(frame.ts, answered, s.dropped - before.dropped)) {
        this.p.onOverload?.(this.rate.overloaded, this.rate.effectiveFps(frame.ts));
      }
    }
  }
}
