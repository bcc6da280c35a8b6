/** Public face of ONVIF support: discovery, probing, stream URI resolution, and `--write` to a config. */
export { OnvifError, isOnvifError, type OnvifErrorCode } from './errors.js';
export { resolveOnvifStream, type OnvifStreamSource, type ResolveOnvifOptions, type ResolvedOnvifStream } from './resolve-stream.js';
export { probeDevice, type ProbeTarget, type ProbeOptions, type ProbeReport, type ProbedProfile, type DefaultPasswordFinding } from './probe.js';
export {
  discover,
  followable,
  multicastInterfaces,
  DiscoveryError,
  WS_DISCOVERY_GROUP,
  type DiscoverOptions,
  type DiscoverResult,
  type DiscoveredDevice,
  type ServiceAddress,
  type DiscoverProgress,
} from './discovery.js';
export { parseTargets, TargetSpecError, MAX_TARGETS, WS_DISCOVERY_PORT, type UnicastTarget } from './targets.js';
export { formatReports, formatOffset } from './report-format.js';
export { appendCameras, cameraIdFor, passwordEnvName, ConfigWriteError, type AppendOptions, type WriteResult, type WrittenCamera } from './config-writer.js';
export { DEFAULT_CREDENTIALS, findDefaultCredential, type DefaultCredential } from './default-passwords.js';
export { DEFAULT_DEVICE_PATH, type CameraClock } from './device.js';
export type { DeviceInfo, MediaProfile } from './responses.js';
