// The vision stage's public face: what app wiring and other stages use.
export { PersonDetector, type PersonDetectorOptions } from './person-detector.js';
export { ModelRegistry, ModelError, MODELS_FIX, defaultModelsDir, type LoadedModel } from './model-registry.js';
export type { ModelEntry } from './manifest.js';
export { FaceDetector, type Face, type FaceDetectorOptions } from './face-detector.js';
export { FACE_SEARCH, faceSearchPlan, planPixels, type SearchLevel, type SearchWindow } from './face-search.js';
export { MaskClassifier, type MaskClassifierOptions } from './mask-classifier.js';
export { defaultThreads } from './onnx-session.js';
export { openVisionModels, type VisionModels, type OpenVisionModelsOptions } from './vision-models.js';
export { MotionGate, MOTION_GATE_DEFAULTS, type MotionGateOptions, type GateDecision } from './motion-gate.js';
export { thumbnail } from './thumbnail.js';
export { VisionScheduler, type SchedulerOptions, type CameraVisionStats, type FrameDetector } from './scheduler.js';
export {
  PersonAttributes,
  PERSON_ATTRIBUTES_DEFAULTS,
  type PersonAttributesOptions,
  type PersonAttributesStats,
  type FaceFinder,
  type MaskScorer,
} from './person-attributes.js';
export { RegionDetector, type RegionDetectorOptions } from './region-detector.js';
export { buildRegions, clusterBoxes, squareRegion, mapFromRegion, mergeDetections, TRACKED_MARGIN, MOTION_MARGIN, type RegionInputs } from './regions.js';
export { StationaryTracker, type StationaryOptions } from './stationary.js';
export { motionBoxes } from './motion-boxes.js';
export { DetectorPool, type PooledDetector } from './detector-pool.js';
