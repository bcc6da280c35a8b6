/**
 * Overload by policy, not by accident. When the box cannot carry every camera at its detect fps, frames are lost in
 * the hand-off wherever the detector happened to be late: every camera goes blind a little, the exit camera as much
 * as the storeroom's. The budget decides instead who gives way: `low` cameras are slowed first, all of them evenly
 * (each keeps an even share of its frames: 0.5 = every other one), then `normal`, `high` last, never below `minShare`
 * of their rate. The frames it leaves out are counted as the `budget` cause; the pipeline takes the next one at once.
 *
 * It is a feedback loop on the cameras' own counters, every `windowMs` of frame time: frames lost to the hand-off or
 * the scheduler above `maxDropShare` of those decoded in `overloadWindows` windows in a row → the least important class
 * still above its floor gives one `step`, and one more each further window the loss lasts; `calmWindows` windows in a
 * row without such a loss → the most important slowed class gets one step back (a probe: if it was too much, the next
 * window's loss takes it back at once). One window alone is a blip, not an overload (measured: a garbage collection or
 * ten cameras' frames arriving together lost 3 frames in 5 s at 10 quiet cameras; slowing for it left out 170 frames
 * over the next 30 s to save those 3). Time comes from the frames (monotonic).
 */
import type { CameraPriority } from '../config/index.js';
import type { CameraMetrics } from '../shared/camera-metrics.js';
import type { RuleEvent } from '../shared/types.js';

export interface BudgetCamera {
  readonly id: string;
  readonly priority: CameraPriority;
  /** The configured detect fps. */
  readonly fps: number;
  readonly metrics: CameraMetrics;
}

export interface DetectBudgetOptions {
  /** Frame time between two looks at the load. Default 5 s. */
  readonly windowMs?: number;
  /** Share of the window's decoded frames lost (hand-off, scheduler) above which the box is overloaded. Default 0.01. */
  readonly maxDropShare?: number;
  /** No camera is slowed below this share of its detect fps. Default 0.2 (1 fps of 5). */
  readonly minShare?: number;
  /** How much a class gives (or gets back) at a time. Default 0.1. */
  readonly step?: number;
  /** Windows in a row with loss above `maxDropShare` before a class gives way (1: every such window). Default 2. */
  readonly overloadWindows?: number;
  /** Windows in a row without loss before a slowed class is given a step back. Default 6 (30 s). */
  readonly calmWindows?: number;
  /** Told whenever a camera's share changes (the agent alarm, the health page). */
  readonly onChange?: (slowed: readonly SlowedCamera[]) => void;
}

/** A camera the budget runs below its detect fps. */
export interface SlowedCamera {
  readonly id: string;
  readonly priority: CameraPriority;
  /** Share of its frames it keeps (0..1). */
  readonly share: number;
  /** The detect fps it runs at: share × configured fps. */
  readonly fps: number;
  readonly configuredFps: number;
}

/** Least important first: the order in which classes give way. */
const GIVE_ORDER: readonly CameraPriority[] = ['low', 'normal', 'high'];

interface CameraBudget {
  readonly cam: BudgetCamera;
  share: number;
  /** Frames owed: a frame is admitted each time it reaches 1. */
  credit: number;
  lost: number;
  decoded: number;
}

export class DetectBudget {
  private readonly cameras = new Map<string, CameraBudget>();
  private readonly windowMs: number;
  private readonly maxDropShare: number;
  private readonly minShare: number;
  private readonly step: number;
  private readonly calmWindows: number;
  private readonly overloadWindows: number;
  private windowStart: number | null = null;
  private calm = 0;
  /** Windows in a row with loss above the threshold (armed one short of giving way right after a probe). */
  private overloaded = 0;

  constructor(private readonly o: DetectBudgetOptions = {}) {
    this.windowMs = o.windowMs ?? 5_000;
    this.maxDropShare = o.maxDropShare ?? 0.01;
    this.minShare = o.minShare ?? 0.2;
    this.step = o.step ?? 0.1;
    this.calmWindows = o.calmWindows ?? 6;
    this.overloadWindows = o.overloadWindows ?? 2;
    if (!(Number.isInteger(this.overloadWindows) && this.overloadWindows >= 1)) throw new RangeError(`detect budget overloadWindows must be an integer ≥ 1, got ${this.overloadWindows}`);
    if (!(this.windowMs > 0)) throw new RangeError(`detect budget windowMs must be positive, got ${this.windowMs}`);
    if (!(this.minShare > 0 && this.minShare <= 1)) throw new RangeError(`detect budget minShare must be in (0, 1], got ${this.minShare}`);
    if (!(this.step > 0 && this.step <= 1)) throw new RangeError(`detect budget step must be in (0, 1], got ${this.step}`);
  }

  /** A camera the budget watches (again, after a reload: its share starts at full rate). */
  register(cam: BudgetCamera): void {
    this.cameras.set(cam.id, { cam, share: 1, credit: 1, lost: lostOf(cam.metrics), decoded: cam.metrics.decoded });
  }

  unregister(id: string): void {
    if (this.cameras.delete(id)) this.changed();
  }

  /** Whether this frame of its camera goes to the detector; looks at the load once a window has passed. */
  admit(cameraId: string, ts: number): boolean {
    this.windowStart ??= ts;
    if (ts - this.windowStart >= this.windowMs) {
      this.windowStart = ts;
      this.evaluate();
    }
    const c = this.cameras.get(cameraId);
    if (!c || c.share >= 1) return true;
    c.credit += c.share;
    if (c.credit < 1) return false;
    c.credit -= 1;
    return true;
  }

  /** The cameras running below their detect fps now, least important first. */
  slowed(): SlowedCamera[] {
    return [...this.cameras.values()]
      .filter((c) => c.share < 1)
      .sort((a, b) => GIVE_ORDER.indexOf(a.cam.priority) - GIVE_ORDER.indexOf(b.cam.priority) || a.cam.id.localeCompare(b.cam.id))
      .map((c) => ({ id: c.cam.id, priority: c.cam.priority, share: round2(c.share), fps: round2(c.share * c.cam.fps), configuredFps: c.cam.fps }));
  }

  private evaluate(): void {
    let lost = 0;
    let decoded = 0;
    for (const c of this.cameras.values()) {
      const l = lostOf(c.cam.metrics);
      lost += l - c.lost;
      decoded += c.cam.metrics.decoded - c.decoded;
      c.lost = l;
      c.decoded = c.cam.metrics.decoded;
    }
    if (decoded <= 0) return;
    if (lost / decoded > this.maxDropShare) {
      this.calm = 0;
      if (++this.overloaded >= this.overloadWindows) this.giveWay();
      return;
    }
    this.overloaded = 0;
    if (lost === 0 && ++this.calm >= this.calmWindows) {
      this.calm = 0;
      // A probe: if the step back was too much, the very next window's loss takes it back.
      if (this.getBack()) this.overloaded = this.overloadWindows - 1;
    }
  }

  /** The least important class with a camera above its floor gives one step, evenly. */
  private giveWay(): void {
    for (const p of GIVE_ORDER) {
      const cls = [...this.cameras.values()].filter((c) => c.cam.priority === p && c.share > this.minShare);
      if (cls.length === 0) continue;
      for (const c of cls) c.share = round2(Math.max(this.minShare, c.share - this.step));
      this.changed();
      return;
    }
  }

  /** The most important slowed class gets one step back; false when no camera was slowed. */
  private getBack(): boolean {
    for (const p of [...GIVE_ORDER].reverse()) {
      const cls = [...this.cameras.values()].filter((c) => c.cam.priority === p && c.share < 1);
      if (cls.length === 0) continue;
      for (const c of cls) c.share = round2(Math.min(1, c.share + this.step));
      this.changed();
      return true;
    }
    return false;
  }

  private changed(): void {
    this.o.onChange?.(this.slowed());
  }
}

/** Frames the camera lost by accident (not by this budget): the load signal. */
function lostOf(m: CameraMetrics): number {
  return m.dropped.handoff + m.dropped.scheduler;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Version of the `agent_alarm` "rule" that reports the budget slowing cameras; bump when its meaning changes. */
export const OVERLOAD_ALARM_RULE = { id: 'overload', version: 1 } as const;

/**
 * The `agent_alarm` (reason `overload`) the guards and the hub see while the budget runs any camera below its detect
 * fps: `start` when the first camera is slowed, `end` when the last one carries its rate again; null otherwise.
 */
export function overloadAlarmEvent(wasSlowed: boolean, slowed: readonly SlowedCamera[], ctx: { readonly cameraId: string; readonly ts: number; readonly wallTs: number }): RuleEvent | null {
  const now = slowed.length > 0;
  if (now === wasSlowed) return null;
  return {
    type: 'agent_alarm',
    phase: now ? 'start' : 'end',
    key: OVERLOAD_ALARM_RULE.id,
    rule: OVERLOAD_ALARM_RULE,
    cameraId: ctx.cameraId,
    ts: ctx.ts,
    wallTs: ctx.wallTs,
    trackIds: [],
    boxes: [],
    people: 0,
    confidence: 1,
    reason: 'overload',
  };
}
