/**
 * The value types handed from one pipeline stage to the next. Defined once here so that no stage
 * reaches into another's internals: capture → Frame → vision → Detections → track → rules →
 * RuleEvent → events → Violation → store/uplink.
 */

/** Monotonic milliseconds (from Clock.now()); never wall time, so NTP jumps cannot reorder frames. */
export type MonoMs = number;
/** Milliseconds since the Unix epoch (from Clock.wall()). */
export type EpochMs = number;

export type PixelFormat = 'rgb24' | 'gray';

/** One decoded picture from one camera, already at the camera's detect size. */
export interface Frame {
  readonly cameraId: string;
  /** Frame index since this source started; gaps mean frames were dropped (latest-wins). */
  readonly seq: number;
  readonly ts: MonoMs;
  readonly wallTs: EpochMs;
  readonly width: number;
  readonly height: number;
  readonly format: PixelFormat;
  /** Tightly packed rows, `width * height * channels` bytes. */
  readonly pixels: Buffer;
}

/**
 * A small gray copy of one frame (e.g. 133×100), made by vision's `thumbnail()`: the motion gate compares them, the
 * tamper rule analyses them (cheap on every frame, enough to tell a covered, blurred or turned camera).
 */
export interface Thumbnail {
  /** Monotonic ms of the frame it was made from. */
  readonly ts: MonoMs;
  readonly width: number;
  readonly height: number;
  /** Size of the frame it was made from, to tell a camera's change of resolution apart from motion. */
  readonly srcWidth: number;
  readonly srcHeight: number;
  /** `width * height` luma bytes, rows top to bottom. */
  readonly gray: Uint8Array;
}

/** Axis-aligned box in frame pixels, x1 < x2, y1 < y2. */
export interface Box {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

export type MaskState = 'mask' | 'no_mask' | 'unknown';

/** Per-detection attributes that later stages attach (mask is an attribute of a person, not a class). */
export interface DetectionAttributes {
  /** Per-frame classification of the face crop, when one was classified this frame. */
  readonly mask?: { readonly state: MaskState; readonly score: number };
}

export interface Detection {
  readonly box: Box;
  readonly score: number;
  /** Class label, e.g. `person`. */
  readonly cls: string;
  /** Set by the tracker for confirmed tracks only; unconfirmed detections have none. */
  readonly trackId?: number;
  readonly attributes?: DetectionAttributes;
}

/** Everything one frame of one camera yielded; immutable, tools return new values. */
export interface Detections {
  readonly cameraId: string;
  readonly frameSeq: number;
  readonly ts: MonoMs;
  readonly wallTs: EpochMs;
  readonly width: number;
  readonly height: number;
  readonly items: readonly Detection[];
  /** How the items were obtained; absent when the caller ran a detector directly (tests, tools). */
  readonly work?: DetectWork;
}

/** What one frame cost the person detector: the per-camera counters add these up. */
export interface DetectWork {
  /** True when the motion gate answered with the previous detections: no detector run at all. */
  readonly gated: boolean;
  /** Detector passes over crops of the frame (regions mode); 0 for one full-frame pass or a gated frame. */
  readonly regions: number;
  /** Tracked persons given no region because they stood still and nothing moved over them (regions mode). */
  readonly stationarySkipped: number;
}

export type RuleType =
  | 'no_mask'
  | 'line_cross'
  | 'zone_intrusion'
  | 'gathering'
  | 'distancing'
  | 'loitering'
  | 'camera_offline'
  | 'camera_tamper'
  | 'agent_alarm';

export type CrossDirection = 'in' | 'out';
export type Severity = 'info' | 'warning' | 'critical';

/**
 * What a rule says about one frame. `phase` drives the violation lifecycle:
 * `instant` is a complete happening (a line crossing); `start`/`update`/`end` bracket a condition
 * that lasts (a gathering). `key` identifies the condition across frames within one rule.
 */
export interface RuleEvent {
  readonly type: RuleType;
  readonly phase: 'instant' | 'start' | 'update' | 'end';
  readonly key: string;
  readonly rule: { readonly id: string; readonly version: number };
  readonly cameraId: string;
  readonly ts: MonoMs;
  readonly wallTs: EpochMs;
  readonly trackIds: readonly number[];
  readonly boxes: readonly Box[];
  readonly people: number;
  readonly confidence: number;
  readonly lineId?: string;
  readonly zoneId?: string;
  readonly direction?: CrossDirection;
  /** Free-form, machine-readable reason (e.g. `disk_low`, `covered`). */
  readonly reason?: string;
  /**
   * How urgent the rule that said it is, from the camera's config (`lines[].severity`, …); absent: the violation
   * type's default (events' DEFAULT_SEVERITY). Set by the rule engine, never by a rule itself.
   */
  readonly severity?: Severity;
}

export interface SnapshotRef {
  readonly sha256: string;
  readonly bytes: number;
  readonly w: number;
  readonly h: number;
  readonly redaction: 'faces-blurred';
  /** Path relative to the storage dir; never sent to the hub. */
  readonly file: string;
}

/**
 * One revision of a violation, as stored and sent. `eventId` is fixed for the violation's life;
 * `rev` grows with every change. An instantaneous violation (a line crossing) is complete at rev 1:
 * state `new` with `endedAt === startedAt`.
 */
export interface Violation {
  readonly eventId: string;
  readonly rev: number;
  readonly state: 'new' | 'update' | 'end';
  readonly type: RuleType;
  readonly severity: Severity;
  readonly cameraId: string;
  readonly rule: { readonly id: string; readonly version: number };
  readonly lineId?: string;
  readonly zoneId?: string;
  readonly direction?: CrossDirection;
  readonly people: number;
  readonly confidence: number;
  readonly startedAt: EpochMs;
  readonly endedAt: EpochMs | null;
  readonly updatedAt: EpochMs;
  readonly model: { readonly name: string; readonly version: string } | null;
  readonly snapshot: SnapshotRef | null;
  /**
   * The guard's context picture (the whole frame with the rule drawn and a strip around the moment), once made; absent
   * or null until then. The snapshot (a crop of the people) stays the thumbnail.
   */
  readonly context?: SnapshotRef | null;
  readonly reason?: string;
}
