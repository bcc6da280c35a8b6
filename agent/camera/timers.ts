/** Cancels a timer set by a `SetTimer`; calling it after the timer fired is harmless. */
export type CancelTimer = () => void;

/**
 * The one way the camera code waits. Injected so that tests drive restart schedules, stall and
 * offline deadlines with a manual clock instead of sleeping through minutes of backoff.
 */
export type SetTimer = (fn: () => void, ms: number) => CancelTimer;

export const realSetTimer: SetTimer = (fn, ms) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};
