/**
 * The person detection every camera shares: the person sessions (a pool of worker sessions when there are several),
 * each run timed for /metrics, the region detector for the cameras whose `detect.mode` is `regions`, and the scheduler
 * in front of it all.
 */
import type { AppConfig } from '../config/index.js';
import type { Clock } from '../shared/clock.js';
import type { Detections, Frame } from '../shared/types.js';
import { DetectorPool, RegionDetector, VisionScheduler, type FrameDetector, type VisionModels } from '../vision/index.js';

export interface PersonVision {
  readonly scheduler: VisionScheduler;
  /** Null when no camera runs in regions mode. */
  readonly regions: RegionDetector | null;
}

type Timer = (detector: FrameDetector, model: string) => { detect(frame: Frame): Promise<Detections> };

export function personVision(models: VisionModels, config: AppConfig, clock: Clock, timed: Timer): PersonVision {
  const { person, personSessions } = models;
  // Every run of the person model is timed for /metrics, also each region of a frame in regions mode.
  const whole = timed(personSessions.length > 1 ? new DetectorPool(personSessions) : person, person.model.name);
  // Fixed at start, as the detector stack is.
  const regionCams = new Set(config.cameras.filter((c) => c.detect.mode === 'regions').map((c) => c.id));
  const regions = regionCams.size > 0 ? new RegionDetector({ detector: whole, sizing: person }) : null;
  const detector: FrameDetector = regions ? { detect: (frame) => (regionCams.has(frame.cameraId) ? regions.detect(frame) : whole.detect(frame)) } : whole;
  const scheduler = new VisionScheduler({
    detector,
    clock,
    motion: {},
    // Regions cameras gate themselves (no region, no run): the frame-level gate would skip frames the region
    // detector needs to see (its motion reference and stationary timing).
    selfGated: (id) => regionCams.has(id),
    // One frame per person session at a time (never two of one camera: the scheduler keeps each camera in order).
    maxInFlight: personSessions.length,
  });
  return { scheduler, regions };
}
