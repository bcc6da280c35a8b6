// Public face of the events stage: RuleEvents in, Violation revisions out to a sink (the store).
export {
  ViolationLifecycle,
  ViolationSinkError,
  type ViolationLifecycleOptions,
  type ViolationSink,
} from './lifecycle.js';
export { DEFAULT_SEVERITY } from './severity.js';
