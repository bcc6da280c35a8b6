// The vision stage's public face: what app wiring and other stages use.
export { PersonDetector, type PersonDetectorOptions } from './person-detector.js';
export { ModelRegistry, ModelError, MODELS_FIX, defaultModelsDir, type LoadedModel } from './model-registry.js';
export type { ModelEntry } from './manifest.js';
