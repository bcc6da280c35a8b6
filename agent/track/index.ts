// Public face of the tracker stage: Detections in, the same Detections with track ids out.
export { Tracker, type TrackUpdate } from './tracker.js';
export { TRACKER_DEFAULTS, type TrackerOptions } from './options.js';
