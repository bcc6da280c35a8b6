// Public face of the rules stage: a pure library, tracked Detections in, RuleEvents out.
export { RuleEngine, type CameraRulesConfig, type RuleEngineOptions, type DisabledRule } from './rule-engine.js';
export type { Rule } from './rule.js';
export type { Thumbnail } from './thumbnail.js';
export type { CommonRuleOptions } from './emit.js';
export {
  LineCrossRule,
  LINE_CROSS_VERSION,
  LINE_DEFAULTS,
  type LineCrossOptions,
  type LineDirection,
  type LineRuleConfig,
} from './line-cross.js';
export { ZonePresence, ZONE_DEFAULTS, type ZoneRuleConfig, type Presence, type PresenceChange } from './zone-presence.js';
export { ZoneIntrusionRule, ZONE_INTRUSION_VERSION } from './zone-intrusion.js';
export { LoiteringRule, LOITERING_VERSION } from './loitering.js';
export { GatheringRule, GATHERING_VERSION, GATHERING_DEFAULTS, WHOLE_FRAME, type GatheringRuleConfig, type GatheringOptions } from './gathering.js';
export {
  DistancingRule,
  DISTANCING_VERSION,
  DISTANCING_DEFAULTS,
  type DistancingRuleConfig,
  type DistancingOptions,
  type CalibrationConfig,
} from './distancing.js';
export { Homography, type Quad } from './homography.js';
export { NoMaskRule, NO_MASK_VERSION, NO_MASK_DEFAULTS, type MaskConsensusConfig, type NoMaskOptions } from './no-mask.js';
export { TamperRule, TAMPER_VERSION, TAMPER_DEFAULTS, type TamperOptions } from './tamper.js';
export { pictureStats, laplacianVariance, correlation, type PictureStats } from './picture-stats.js';
export { RuleConfigError } from './errors.js';
export { activeOutsideWindows, checkWindow, parseWindow, type DailyWindow, type WindowInput } from './schedule.js';
// The dashboard and draw-rules draw each line's `in` arrow along leftNormal; the config check reuses the rest.
export { bottomCentre, leftNormal, pointInPolygon, segmentsIntersect, sideOf, LEFT, RIGHT, type Point, type Side } from './geometry.js';
