/** Public face of the config stage: load/check a facility's YAML file and the types it yields. */
export { loadConfig, checkConfig, analyseConfig, type LoadOptions, type CheckResult, type ConfigReport } from './loader.js';
export { ConfigError, formatIssue, type ConfigIssue } from './errors.js';
export { configHash, redactConfig } from './hash.js';
export { inTimeWindow } from './time-window.js';
export { EDGE_MARGINS } from './semantic-camera.js';
export { EMBEDDED_HUB_WARNING } from './semantic.js';
export { DEFAULT_PERSON_INPUT_SIDE, PERSON_INPUT_SIDES, PERSON_MIN_SCORE_FOR_SIDE, type PersonInputSide } from './schema.js';
export type {
  AppConfig,
  FacilityConfig,
  HubConfig,
  HubTls,
  StorageConfig,
  LocalConfig,
  ModelsConfig,
  CameraConfig,
  CameraPriority,
  CameraSource,
  RulesConfig,
  LineRuleConfig,
  ZoneRuleConfig,
  GatheringRuleConfig,
  DistancingRuleConfig,
  CalibrationConfig,
  ScheduleConfig,
  TimeWindow,
  Point,
} from './types.js';
