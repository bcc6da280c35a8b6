/**
 * Geometry and cross-references inside one camera: every point inside the picture, lines that can
 * fire, simple polygons, usable calibrations, references between rules.
 *
 * Lines that can never fire. The line rule follows the feet (bottom-centre of a person box) and
 * needs to see them on both sides of the line. The loader therefore rejects a line when the whole
 * segment lies
 *   - in the top 15 % of the picture: feet are about one person height below the head, and a
 *     person is rarely less than ~15 % of the picture tall, so feet do not get that high;
 *   - within 2 % of the left, right or bottom edge: there is no room beyond the line for the feet
 *     to be seen on the far side (a box's bottom-centre is half a body width from the side edges).
 */
import type { ParsedCamera } from './schema-camera.js';
import type { IssueSink, KeyPath } from './issue-sink.js';
import { allCollinear, isStrictlyConvex, selfIntersection, type Pt } from './geometry.js';
import { parseTimeWindow } from './time-window.js';

/** Fractions of the picture height (top, bottom) and width (sides); see the file comment. */
export const EDGE_MARGINS = { top: 0.15, bottom: 0.02, side: 0.02 } as const;

const fmt = (n: number): string => String(Math.round(n * 10) / 10);
const fmtPt = (p: Pt): string => `[${fmt(p[0])}, ${fmt(p[1])}]`;

/** Why a line at `a`–`b` in a W×H picture can never fire, or undefined if it can. */
export function lineNeverFiresReason(a: Pt, b: Pt, w: number, h: number): string | undefined {
  const top = EDGE_MARGINS.top * h;
  const bottom = h - EDGE_MARGINS.bottom * h;
  const left = EDGE_MARGINS.side * w;
  const right = w - EDGE_MARGINS.side * w;
  if (Math.max(a[1], b[1]) < top) {
    return `the line lies entirely in the top 15 % of the picture (y < ${fmt(top)}); feet (the bottom-centre of a person box) are about one person height below the top edge and never get there, so it can never fire`;
  }
  if (Math.min(a[1], b[1]) > bottom) {
    return `the line lies entirely within 2 % of the bottom edge (y > ${fmt(bottom)}); there is no room below it to see feet on the far side, so it can never fire`;
  }
  if (Math.max(a[0], b[0]) < left) {
    return `the line lies entirely within 2 % of the left edge (x < ${fmt(left)}); there is no room beyond it to see feet on the far side, so it can never fire`;
  }
  if (Math.min(a[0], b[0]) > right) {
    return `the line lies entirely within 2 % of the right edge (x > ${fmt(right)}); there is no room beyond it to see feet on the far side, so it can never fire`;
  }
  return undefined;
}

/** Reports points outside the W×H picture; true if all are inside. */
function checkInside(points: readonly Pt[], w: number, h: number, path: KeyPath, sink: IssueSink): boolean {
  let ok = true;
  points.forEach((p, k) => {
    if (p[0] < 0 || p[0] > w || p[1] < 0 || p[1] > h) {
      sink.error([...path, k], `point ${fmtPt(p)} is outside the picture (size [${w}, ${h}]: x 0..${w}, y 0..${h})`);
      ok = false;
    }
  });
  return ok;
}

function checkPolygon(poly: readonly Pt[], path: KeyPath, sink: IssueSink): void {
  for (let k = 0; k < poly.length; k++) {
    const p = poly[k]!;
    const q = poly[(k + 1) % poly.length]!;
    if (p[0] === q[0] && p[1] === q[1]) {
      sink.error([...path, k], `point ${fmtPt(p)} is repeated right after itself; each corner once, please`);
      return;
    }
  }
  if (allCollinear(poly)) {
    sink.error(path, 'the polygon has no area (all points are on one line)');
    return;
  }
  const crossing = selfIntersection(poly);
  if (crossing !== undefined) {
    const [i, j] = crossing;
    sink.error(
      path,
      `the polygon crosses itself (edge ${i}→${(i + 1) % poly.length} meets edge ${j}→${(j + 1) % poly.length}); list the corners in order around the outline`,
    );
  }
}

export function checkCamera(cam: ParsedCamera, base: KeyPath, sink: IssueSink): void {
  const [w, h] = cam.size ?? [cam.detect.width, cam.detect.height];
  const rules = [...base, 'rules'];

  if (cam.size !== undefined && Math.abs(w / h - cam.detect.width / cam.detect.height) > 0.01 * (w / h)) {
    sink.warn(
      [...base, 'detect'],
      `detect size ${cam.detect.width}x${cam.detect.height} has a different shape from size [${w}, ${h}]; the picture will be stretched (people look wider or thinner to the detector)`,
    );
  }
  if (cam.health.offline_after_s < cam.health.stall_s) {
    sink.error(
      [...base, 'health', 'offline_after_s'],
      `expected at least stall_s (${cam.health.stall_s}): a camera is announced offline only after it has stalled`,
    );
  }

  const ids = new Map<string, string>();
  const claimId = (id: string, path: KeyPath, label: string): void => {
    const other = ids.get(id);
    if (other !== undefined) sink.error([...path, 'id'], `duplicate rule id "${id}" on camera "${cam.id}" (also used by ${other})`);
    else ids.set(id, label);
  };

  cam.rules.lines.forEach((line, j) => {
    const path = [...rules, 'lines', j];
    claimId(line.id, path, `rules.lines[${j}]`);
    const [a, b] = line.points;
    if (!checkInside(line.points, w, h, [...path, 'points'], sink)) return;
    if (a[0] === b[0] && a[1] === b[1]) {
      sink.error([...path, 'points'], `the two points are the same (${fmtPt(a)}); a line needs two different points`);
      return;
    }
    const reason = lineNeverFiresReason(a, b, w, h);
    if (reason !== undefined) sink.error([...path, 'points'], reason);
  });

  const zoneIds = new Set<string>();
  cam.rules.zones.forEach((zone, j) => {
    const path = [...rules, 'zones', j];
    claimId(zone.id, path, `rules.zones[${j}]`);
    zoneIds.add(zone.id);
    if (checkInside(zone.polygon, w, h, [...path, 'polygon'], sink)) checkPolygon(zone.polygon, [...path, 'polygon'], sink);
    const usedByGathering = cam.rules.gathering?.zone === zone.id;
    if (!zone.intrusion && zone.loitering_s === undefined && !usedByGathering) {
      sink.warn(path, `zone "${zone.id}" has no rule: set intrusion: true, loitering_s, or name it in gathering.zone`);
    }
  });

  const gathering = cam.rules.gathering;
  if (gathering !== undefined && gathering.zone !== 'whole-frame' && !zoneIds.has(gathering.zone)) {
    const known = [...zoneIds];
    sink.error(
      [...rules, 'gathering', 'zone'],
      `no zone "${gathering.zone}" on camera "${cam.id}" (expected whole-frame${known.length > 0 ? ` or one of ${known.join(', ')}` : ''})`,
    );
  }

  const distancing = cam.rules.distancing;
  if (distancing !== undefined) {
    const path = [...rules, 'distancing'];
    if (distancing.calibration === undefined) {
      sink.warn(path, `distancing disabled on camera "${cam.id}": no calibration (add calibration: 4 image points and their floor positions in metres)`);
    } else {
      const { image, floor } = distancing.calibration;
      if (checkInside(image, w, h, [...path, 'calibration', 'image'], sink) && !isStrictlyConvex(image)) {
        sink.error([...path, 'calibration', 'image'], 'expected the 4 corners of a floor area in order around its edge (convex, no three on one line)');
      }
      if (!isStrictlyConvex(floor)) {
        sink.error([...path, 'calibration', 'floor'], 'expected the 4 floor positions (metres) in the same order as image, around the edge (convex, no three on one line)');
      }
    }
  }

  const schedule = cam.rules.schedule;
  for (const key of ['allow_lines', 'allow_zones'] as const) {
    schedule[key].forEach((text, k) => {
      const win = parseTimeWindow(text);
      if (win.start_min === win.end_min || (win.start_min === 0 && win.end_min === 1440)) {
        sink.error([...rules, 'schedule', key, k], `"${text}" starts where it ends; a window must have a length and be shorter than a day`);
      }
    });
    const none = key === 'allow_lines' ? cam.rules.lines.length === 0 : cam.rules.zones.length === 0;
    if (schedule[key].length > 0 && none) {
      sink.warn([...rules, 'schedule', key], `camera "${cam.id}" has no ${key === 'allow_lines' ? 'lines' : 'zones'}, so this schedule has no effect`);
    }
  }
}
