/**
 * onnxruntime-node's Linux library carries Microsoft's 1DS telemetry client. Unless told otherwise, the first session
 * of every process leaves an empty `$TMPDIR/mat-debug-<pid>.log` (plus `$TMPDIR/.ses`) and writes a device id and an
 * event database under `$HOME/.cache/Microsoft/DeveloperTools/.onnxruntime/`: files outside the data dir that a purge
 * leaves behind, and a device identifier nobody asked for. `ORT_DISABLE_TELEMETRY=1` in the process environment stops
 * all of it; onnxruntime reads it once, when it creates its environment at the first session
 * (test/cli/run-footprint.test.ts runs the agent with an empty HOME and TMPDIR and finds them still empty).
 */
export const ORT_TELEMETRY_SWITCH = 'ORT_DISABLE_TELEMETRY';

/**
 * Sets the switch in the real process environment (Node's `process.env` setter calls setenv on the main thread, so
 * worker threads' onnxruntime sees it too). Called before any session is made, on the main thread.
 */
export function disableOrtTelemetry(): void {
  process.env[ORT_TELEMETRY_SWITCH] = '1';
}
