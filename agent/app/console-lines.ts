/** The agent's human-readable console lines (the JSON log gets the same facts): one wording per kind of line. */
import type { SlowedCamera } from '../pipeline/index.js';
import type { RuleEvent, Violation } from '../shared/types.js';

/** A violation revision as the guards read it on the console. */
export function alertLine(v: Violation, ev: RuleEvent): string {
  const where = v.lineId ? `line ${v.lineId}${v.direction ? ` direction ${v.direction}` : ''}` : v.zoneId ? `zone ${v.zoneId}` : '';
  return (
    `ALERT     ${v.type} camera ${v.cameraId} ${where} track ${ev.trackIds.join(',')} ` +
    `confidence ${v.confidence.toFixed(2)} event ${v.eventId} rev ${v.rev} (${v.state})`
  );
}

/** An agent alarm (disk, store) revision. */
export function alarmLine(v: Violation): string {
  return `ALARM     ${v.type} ${v.reason ?? ''} event ${v.eventId} rev ${v.rev} (${v.state})`;
}

/** A camera's detect rate falling short of its config, or carrying it again. */
export function overloadLine(id: string, overloaded: boolean, fps: number, configured: number | undefined): string {
  return `camera    ${id} ${overloaded ? `overloaded: ${fps.toFixed(1)} of ${configured} detect-fps, frames dropped` : 'carries its detect-fps again'}`;
}

/** A camera-health violation (camera_offline) revision. */
export function cameraAlarmLine(v: Violation): string {
  return `ALERT     ${v.type} camera ${v.cameraId} (${v.reason ?? ''}) event ${v.eventId} rev ${v.rev} (${v.state})`;
}

/** The overload policy's detect rates: who runs slower to keep the more important cameras at theirs. */
export function overloadPolicyLine(slowed: readonly SlowedCamera[]): string {
  if (slowed.length === 0) return 'overload  every camera at its detect fps again';
  return `overload  detect rate lowered by priority: ${slowed.map((s) => `${s.id} ${s.fps}/${s.configuredFps} fps (${s.priority})`).join(', ')}`;
}
