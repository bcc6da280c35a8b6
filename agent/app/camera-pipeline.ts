import type { CameraSupervisor } from '../camera/index.js';
import { FrameStep, type CameraPipelineStats, type FrameDetector, type FrameStepParts } from './frame-step.js';

export type { CameraPipelineStats };

export interface CameraPipelineParts extends FrameStepParts {
  readonly supervisor: Pick<CameraSupervisor, 'start' | 'stop' | 'frames'>;
  /** Shared across cameras: motion gate, latest-wins per camera, fair round-robin over one person model. */
  readonly vision: FrameDetector;
}

/**
 * One camera's frames through the per-frame step (frame-step.ts). The supervisor hands frames over latest-wins, so
 * while the detector is busy older frames are dropped rather than queued.
 */
export class CameraPipeline {
  /** Monotonic time of the newest frame seen, for the heartbeat's frame age. */
  lastFrameAt: number | null = null;
  private readonly step: FrameStep;
  private loop: Promise<void> | null = null;

  constructor(private readonly p: CameraPipelineParts) {
    this.step = new FrameStep(p);
  }

  get stats(): CameraPipelineStats {
    return this.step.stats;
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
    for await (const frame of this.p.supervisor.frames()) {
      this.lastFrameAt = frame.ts;
      await this.step.process(frame);
    }
  }
}
