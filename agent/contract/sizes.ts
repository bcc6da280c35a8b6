/**
 * Byte limits that are part of the contract itself: both sides must agree on them, so they live
 * here rather than with the code that enforces them. (Per-topic inbound limits of the hardening
 * work live in `limits.ts`.)
 */

/** Commands larger than this are refused unread (a command is a few hundred bytes at most). */
export const MAX_COMMAND_BYTES = 4096;

/** Larger snapshot images are refused: brokers commonly cap messages near 1 MB, and a crop is far smaller. */
export const MAX_SNAPSHOT_BYTES = 1024 * 1024;
