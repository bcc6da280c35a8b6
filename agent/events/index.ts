// Public face of the events stage: RuleEvents in, Violation revisions out to a sink (the store);
// privacy-safe snapshots (faces and heads blurred in memory) written atomically.
export {
  ViolationLifecycle,
  ViolationSinkError,
  violationKey,
  type ViolationLifecycleOptions,
  type ViolationSink,
} from './lifecycle.js';
export { DEFAULT_SEVERITY } from './severity.js';
export { renderSnapshot, checkedEncode, toSnapshotRef, cropRect, SNAPSHOT_DEFAULTS, type SnapshotInput, type RenderedSnapshot } from './snapshot.js';
export { renderContext, CONTEXT_DEFAULTS, type ContextInput, type RenderedContext, type RuleOverlay, type StripFrame } from './context-picture.js';
export { facesInJpeg, type FaceFinder, type FaceSearch } from './face-check.js';
export { blurRegions, headRegion, BLUR_DEFAULTS, type RawImage, type Rect } from './blur.js';
export { writeSnapshotAtomic, snapshotFileName, SnapshotWriteError } from '../shared/snapshot-file.js';
export { SnapshotPolicy, SNAPSHOT_POLICY_DEFAULTS, type SnapshotCandidate, type SnapshotPolicyOptions } from './snapshot-policy.js';
