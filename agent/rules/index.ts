// Public face of the rules stage: a pure library, tracked Detections in, RuleEvents out.
export { RuleEngine, type CameraRulesConfig, type RuleEngineOptions } from './rule-engine.js';
export type { Rule } from './rule.js';
export {
  LineCrossRule,
  LINE_CROSS_VERSION,
  LINE_DEFAULTS,
  type LineCrossOptions,
  type LineDirection,
  type LineRuleConfig,
} from './line-cross.js';
export { RuleConfigError } from './errors.js';
export { activeOutsideWindows, parseWindow, type DailyWindow } from './schedule.js';
// The dashboard draws each line's `in` arrow along leftNormal; the config check reuses the rest.
export { bottomCentre, leftNormal, pointInPolygon, segmentsIntersect, sideOf, LEFT, RIGHT, type Point, type Side } from './geometry.js';
