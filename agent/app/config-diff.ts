import type { AppConfig, CameraConfig } from '../config/index.js';

/** What a config reload changes, camera by camera (only enabled cameras run). */
export interface ConfigDiff {
  readonly added: readonly CameraConfig[];
  readonly removed: readonly string[];
  /** Changed in anything (source, detect, health, rules…): restarted. */
  readonly changed: readonly CameraConfig[];
  /** Of `changed`, the ones whose rules alone changed (still restarted: the rule engine is built with the camera). */
  readonly rulesOnly: readonly string[];
  readonly unchanged: readonly string[];
  /** Top-level sections other than `cameras` that differ: they take effect only after a restart. */
  readonly needRestart: readonly string[];
}

const SECTIONS = ['facility', 'hub', 'storage', 'local', 'models'] as const;

/**
 * Compares two loaded configs. Cameras are compared on their whole resolved config, secrets included (a rotated
 * camera password needs a new ffmpeg), in memory only: nothing here is logged or hashed.
 */
export function diffConfig(old: AppConfig, next: AppConfig): ConfigDiff {
  const running = (c: AppConfig): Map<string, CameraConfig> => new Map(c.cameras.filter((x) => x.enabled).map((x) => [x.id, x]));
  const before = running(old);
  const after = running(next);
  const added: CameraConfig[] = [];
  const changed: CameraConfig[] = [];
  const rulesOnly: string[] = [];
  const unchanged: string[] = [];
  for (const [id, cam] of after) {
    const was = before.get(id);
    if (!was) added.push(cam);
    else if (same(was, cam)) unchanged.push(id);
    else {
      changed.push(cam);
      if (same({ ...was, rules: null }, { ...cam, rules: null })) rulesOnly.push(id);
    }
  }
  const removed = [...before.keys()].filter((id) => !after.has(id));
  const needRestart = SECTIONS.filter((s) => !same(old[s], next[s]));
  return { added, removed, changed, rulesOnly, unchanged, needRestart };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
