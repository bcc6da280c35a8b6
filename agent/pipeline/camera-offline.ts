import type { CameraState } from '../camera/index.js';
import type { ViolationLifecycle } from '../events/index.js';
import type { RuleEvent, Violation } from '../shared/types.js';

/** The rule id camera-health violations carry (no configured rule produces them). */
export const CAMERA_OFFLINE_RULE = { id: 'camera-offline', version: 1 } as const;

/**
 * Turns a camera's supervisor states into `camera_offline` violations through the normal event path, so guards
 * and the hub both see a dead camera: `new` when the supervisor declares it offline (it does so only after
 * `health.offline_after_s` without a frame), `end` when frames flow again (online or degraded). A camera that
 * could not even be started (ONVIF resolution failed) is offline from the start. Shutdown ends it with the rest
 * (ViolationLifecycle.closeAll), so `stopped` is ignored here.
 */
export class CameraOfflineAlarm {
  constructor(private readonly lifecycle: ViolationLifecycle) {}

  /** Applies a supervisor state; returns the revision recorded, or null. A refused write throws ViolationSinkError. */
  onState(cameraId: string, s: Pick<CameraState, 'state' | 'reason' | 'since' | 'sinceWall'>): Violation | null {
    switch (s.state) {
      case 'offline':
        return this.lifecycle.handle(event(cameraId, 'start', s.since, s.sinceWall, s.reason));
      case 'online':
      case 'degraded':
        return this.lifecycle.handle(event(cameraId, 'end', s.since, s.sinceWall, s.reason));
      default:
        return null;
    }
  }

  /** The camera could not be started at all. */
  cannotStart(cameraId: string, reason: string, mono: number, wall: number): Violation | null {
    return this.lifecycle.handle(event(cameraId, 'start', mono, wall, reason));
  }
}

function event(cameraId: string, phase: 'start' | 'end', ts: number, wallTs: number, reason: string): RuleEvent {
  return {
    type: 'camera_offline',
    phase,
    key: 'offline',
    rule: CAMERA_OFFLINE_RULE,
    cameraId,
    ts,
    wallTs,
    trackIds: [],
    boxes: [],
    people: 0,
    confidence: 1,
    reason,
  };
}
