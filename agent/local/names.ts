import type { CameraConfig } from '../config/index.js';

/**
 * What guards read for a camera, a line or a zone: its `name` from the config (any language, checked plain text),
 * or null when none is given (the page then shows the id). Ids stay the keys everywhere else (API, exports, hub).
 */
export class Names {
  private readonly cameras = new Map<string, string>();
  /** `cameraId\0ruleItemId` → name (line and zone ids are unique per camera only). */
  private readonly items = new Map<string, string>();

  constructor(cameras: readonly CameraConfig[]) {
    for (const c of cameras) {
      if (c.name !== undefined) this.cameras.set(c.id, c.name);
      for (const l of c.rules.lines) if (l.name !== null) this.items.set(key(c.id, 'line', l.id), l.name);
      for (const z of c.rules.zones) if (z.name !== null) this.items.set(key(c.id, 'zone', z.id), z.name);
    }
  }

  camera(id: string): string | null {
    return this.cameras.get(id) ?? null;
  }

  line(cameraId: string, lineId: string | null | undefined): string | null {
    return lineId ? (this.items.get(key(cameraId, 'line', lineId)) ?? null) : null;
  }

  zone(cameraId: string, zoneId: string | null | undefined): string | null {
    return zoneId ? (this.items.get(key(cameraId, 'zone', zoneId)) ?? null) : null;
  }
}

function key(cameraId: string, kind: 'line' | 'zone', id: string): string {
  return `${cameraId}\0${kind}\0${id}`;
}
