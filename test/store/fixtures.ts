import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidv7 } from '../../agent/shared/ids.js';
import type { Violation } from '../../agent/shared/types.js';

const T0 = Date.UTC(2026, 0, 1, 8, 0, 0);

/** A realistic violation revision (a corridor line crossing with a snapshot), varied by `i`. */
export function violation(i: number, over: Partial<Violation> = {}): Violation {
  return {
    eventId: uuidv7(T0 + i * 1000),
    rev: 1,
    state: 'new',
    type: 'line_cross',
    severity: 'warning',
    cameraId: 'corridor-a',
    rule: { id: 'corridor-a-exit', version: 1 },
    lineId: 'corridor-a-exit',
    direction: 'in',
    people: 1,
    confidence: 0.87,
    startedAt: T0 + i * 1000,
    endedAt: T0 + i * 1000,
    updatedAt: T0 + i * 1000,
    model: { name: 'yolox-s-person', version: '2024.1' },
    snapshot: {
      sha256: 'a'.repeat(64),
      bytes: 48_213,
      w: 640,
      h: 480,
      redaction: 'faces-blurred',
      file: `snapshots/2026/01/01/${i}.jpg`,
    },
    ...over,
  };
}

/** A fresh temp dir, and a function that removes it. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `qmon-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A stand-in encoder for store tests: the bytes name the seq, so tests can see what was stored. */
export const fakeEncode = (v: Violation) => (seq: number) => Buffer.from(JSON.stringify({ seq, id: v.eventId, rev: v.rev }));

/** Publishes (marks sent) then ACKs rows, as the relay and the hub would: an outbox acks only what was sent. */
export function sendAndAck(store: { markSentMany(seqs: readonly number[], now: number): number; markAcked(seqs: readonly number[], now: number): unknown }, seqs: readonly number[], now: number): void {
  store.markSentMany(seqs, now);
  store.markAcked(seqs, now);
}
