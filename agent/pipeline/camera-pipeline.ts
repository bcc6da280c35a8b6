import type { CameraSupervisor } from '../camera/index.js';
import type { CameraMetrics } from '../shared/camera-metrics.js';
import { DetectRateMonitor } from './detect-rate.js';
import { FrameStep, type FrameDetector, type FrameStepParts } from './frame-step.js';

export interface CameraPipelineParts extends FrameStepParts {
  readonly supervisor: Pick<CameraSupervisor, 'start' | 'stop' | 'frames'>;
  /** Shared across cameras: motion gate, latest-wins per camera, fair round-robin over the person sessions. */
  readonly vision: FrameDetector;
  /** The camera's configured detect fps: below ~90 % of it while losing frames, the camera is overloaded. */
  readonly detectFps?: number;
  /** Called when the camera becomes overloaded (true) or carries its rate again (false). */
  readonly onOverload?: (overloaded: boolean, effectiveFps: number) => void;
}

/**
 * One camera's frames through the per-frame step (frame-step.ts). The supervisor hands frames over latest-wins, so
 * while the detector is busy older frames are dropped rather than queued (the supervisor counts them, as the
 * `handoff` cause); each frame taken here is `handedOff`.
 */
export class CameraPipeline {
  /** Monotonic time of the newest frame seen, for the heartbeat's frame age. */
  lastFrameAt: number | null = null;
  private readonly step: FrameStep;
  private readonly rate: DetectRateMonitor | null;
  private loop: Promise<void> | null = null;

  constructor(private readonly p: CameraPipelineParts) {
    this.step = new FrameStep(p);
    this.rate = p.detectFps ? new DetectRateMonitor({ fps: p.detectFps }) : null;
  }

  get metrics(): CameraMetrics {
    return this.p.metrics;
  }

  /** True while the camera loses frames inside the agent and is answered below its configured detect fps. */
  get overloaded(): boolean {
    return this.rate?.overloaded ?? false;
  }

  /** Frames answered per second over the last minute (0 before the first). */
  effectiveFps(now: number): number {
    return this.rate?.effectiveFps(now) ?? 0;
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
    const m = this.p.metrics;
    for await (const frame of this.p.supervisor.frames()) {
      this.lastFrameAt = frame.ts;
      m.handedOff++;
      const before = { dropped: m.droppedTotal(), answered: m.answered() };
      await this.step.process(frame);
      if (this.rate?.note(frame.ts, m.answered() > before.answered, m.droppedTotal() - before.dropped)) {
        this.p.onOverload?.(this.rate.overloaded, this.rate.effectiveFps(frame.ts));
      }
    }
  }
}
