/** Test helpers: config files in a temp dir, and the line:col of a piece of text found independently. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A temp dir removed after the test file; holds an empty `clip.mp4` so file sources resolve. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'qmon-config-'));
  writeFileSync(join(dir, 'clip.mp4'), '');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let counter = 0;

/** Writes `text` to a fresh file in `dir`; returns its path. */
export function writeConfig(dir: string, text: string, name = `c${++counter}.yaml`): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** `line:col` (1-based) of the n-th occurrence of `needle` in `text`; throws if absent. */
export function at(text: string, needle: string, occurrence = 1): string {
  let idx = -1;
  for (let i = 0; i < occurrence; i++) {
    idx = text.indexOf(needle, idx + 1);
    if (idx < 0) throw new Error(`test bug: "${needle}" not in text`);
  }
  const before = text.slice(0, idx).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

/** A small valid config: one file camera with one line. Tests edit it with `replace`. */
export const BASE = `facility:
  id: test-01
hub:
  url: embedded
storage:
  dir: ./data
cameras:
  - id: cam-1
    source:
      file: clip.mp4
    detect: { fps: 5, width: 640, height: 480 }
    rules:
      lines:
        - id: l1
          points: [[320, 100], [320, 470]]
          direction: in
`;

/** Replaces one exact snippet of BASE (failing loudly if the snippet is not there). */
export function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`test bug: "${from}" not in text`);
  return text.replace(from, to);
}
