export { createLogger, silentLogger, type Logger, type LoggerOptions } from './logger.js';
export { redactText, redactValue, REDACTED } from './redact.js';
export { systemdNotifier, watchdogIntervalMs, type ServiceNotifier, type SdNotifyOptions } from './sd-notify.js';
export { ServiceWatchdog, cameraProblems, type CameraLiveness, type LivenessReport, type ServiceWatchdogOptions } from './service-watchdog.js';
export { AgentMetrics, type CameraMetricsSource, type MetricsSources } from './metrics.js';
