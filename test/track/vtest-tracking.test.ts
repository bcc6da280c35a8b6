/**
 * The tracker on real footage: 10.6 s of OpenCV's vtest.avi (video time 17.0–27.6 s, 53 frames at the
 * demo's 5 detect-fps), decoded by the system ffmpeg through the agent's FfmpegFrameSource, persons
 * from the real CenterNet model, ids from Tracker with its defaults. Identity is checked against a
 * hand annotation of every person on the walkway once a second.
 *
 * How the annotation was made (by hand, not from detector or tracker output):
 * - ffmpeg wrote one PNG per second of the stretch with a 50-px grid and pixel labels drawn on it
 *   (`-ss 18 -vf fps=1,drawgrid=…`); comparing pixels with a full decode showed these are source
 *   frames 184, 194, …, 274, i.e. video times 18.4, 19.4, …, 27.4 s — the 5-fps frames 92, 97, …, 137;
 * - on each PNG every person on the walkway and the road got a box (feet to top of head, arms out
 *   of it), read off the grid by eye to about ±5 px; people were followed from picture to picture
 *   by clothing and walking direction, with 2-per-second strips of the same stretch to check who
 *   is who where two pass close;
 * - the man who walks out of the picture on the right at ~20.5 s and comes back at ~22 s is kept
 *   as one person with two visible spells; a new id after he was gone is not an id switch.
 *
 * Scoring, per annotated time: tracked detections (those with a track id) are paired one to one
 * with the hand boxes, best IoU first, a pair needing IoU ≥ 0.4 (loose for ±5 px hand boxes on
 * people 20–50 px wide; the hand boxes and the detector's agree at IoU 0.65–0.99 where both exist).
 * - an id switch: a person's paired track id differs from the one paired with them last time,
 *   within one visible spell;
 * - an id transfer: one track id paired with two different people over the stretch;
 * - coverage: the share of a person's annotated times at which they are paired with a track.
 * Measured when this test was written: 0 switches, 0 transfers, coverage 65/68, 9 track ids for the
 * 8 people (M2 gets a new one after his spell outside). The three misses: R behind the lamp-post
 * sign at 21.4 s and P2 at 19.4 s (no detection), P2 at 18.4 s (detected, track not yet confirmed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Box, Detections } from '../../agent/shared/types.js';
import { Tracker } from '../../agent/track/index.js';
import { ModelRegistry, PersonDetector } from '../../agent/vision/index.js';
import { videoTimeS, vtestFrames, VTEST_DETECT_FPS } from '../e2e/vtest-frames.js';

const FROM_S = 17.0;
const TO_S = 27.6;
const ANNOTATED_AT = [18.4, 19.4, 20.4, 21.4, 22.4, 23.4, 24.4, 25.4, 26.4, 27.4];
const MIN_IOU = 0.4;

/** Tolerances (what was measured is in the header): one id switch allowed; a transfer is never allowed. */
const MAX_ID_SWITCHES = 1;
const MAX_ID_TRANSFERS = 0;
const MIN_COVERAGE_EACH = 0.6;
const MIN_COVERAGE_ALL = 0.85;

type Row = readonly [t: number, x1: number, y1: number, x2: number, y2: number];

interface Person {
  readonly name: string;
  readonly who: string;
  /** Visible spells; a new track id at the start of a later spell is not a switch. */
  readonly spells: readonly (readonly Row[])[];
}

const PEOPLE: readonly Person[] = [
  {
    name: 'W',
    who: 'woman in a light-blue hooded coat, walks left along the path and out of the picture at ~21.6 s',
    spells: [[[18.4, 178, 160, 205, 225], [19.4, 117, 155, 140, 218], [20.4, 62, 150, 82, 212], [21.4, 12, 148, 32, 203]]],
  },
  {
    name: 'S',
    who: 'man in a navy striped jumper, walks left along the path, stops at the left edge (x≈50) from ~23 s',
    spells: [
      [
        [18.4, 330, 210, 365, 290], [19.4, 258, 200, 290, 278], [20.4, 188, 188, 222, 260], [21.4, 132, 185, 165, 250],
        [22.4, 78, 182, 103, 248], [23.4, 40, 180, 62, 245], [24.4, 40, 180, 62, 245], [25.4, 40, 178, 62, 245],
        [26.4, 38, 175, 60, 245], [27.4, 25, 178, 50, 243],
      ],
    ],
  },
  {
    name: 'M1',
    who: 'man in a dark jacket and jeans, walks down-right to (660, 350), turns at ~21 s and walks back up-left past the lamp post',
    spells: [
      [
        [18.4, 520, 230, 560, 320], [19.4, 575, 250, 610, 350], [20.4, 638, 282, 690, 388], [21.4, 637, 298, 680, 410],
        [22.4, 557, 287, 590, 398], [23.4, 485, 263, 520, 370], [24.4, 412, 245, 458, 340], [25.4, 358, 225, 398, 318],
        [26.4, 312, 208, 342, 295], [27.4, 268, 190, 305, 270],
      ],
    ],
  },
  {
    name: 'M2',
    who: 'man in black, walks out on the right at ~20.5 s, comes back in at ~22 s and walks up-left towards the sign',
    spells: [
      [[18.4, 612, 225, 655, 315], [19.4, 675, 238, 710, 333], [20.4, 725, 262, 768, 365]],
      [[22.4, 714, 228, 745, 313], [23.4, 648, 210, 678, 292], [24.4, 590, 195, 614, 272], [25.4, 522, 185, 552, 258], [26.4, 462, 175, 485, 245], [27.4, 400, 168, 420, 233]],
    ],
  },
  {
    name: 'M4',
    who: 'man in a dark jacket holding papers, enters bottom right at ~23 s, walks up-left',
    spells: [[[23.4, 700, 283, 738, 392], [24.4, 640, 265, 675, 372], [25.4, 575, 250, 612, 350], [26.4, 505, 240, 548, 340], [27.4, 447, 233, 475, 327]]],
  },
  {
    name: 'R',
    who: 'bald man in a dark jacket, comes down the road from the top right and walks left behind the lamp-post sign (~21.4 s)',
    spells: [
      [
        [18.4, 570, 135, 597, 205], [19.4, 523, 140, 548, 215], [20.4, 462, 150, 488, 226], [21.4, 397, 158, 425, 235],
        [22.4, 335, 165, 375, 240], [23.4, 272, 158, 295, 237], [24.4, 225, 153, 243, 228], [25.4, 185, 148, 203, 222],
        [26.4, 150, 145, 175, 215], [27.4, 124, 143, 142, 210],
      ],
    ],
  },
  {
    name: 'P1',
    who: 'man in a red jacket, left one of a pair walking slowly side by side down the road at the top right (small: ~55 px tall)',
    spells: [
      [
        [18.4, 682, 100, 698, 155], [19.4, 682, 98, 698, 152], [20.4, 675, 98, 693, 155], [21.4, 663, 104, 684, 160],
        [22.4, 655, 110, 676, 168], [23.4, 645, 113, 666, 175], [24.4, 637, 118, 660, 180], [25.4, 632, 123, 652, 188],
        [26.4, 614, 128, 637, 193], [27.4, 600, 135, 625, 200],
      ],
    ],
  },
  {
    name: 'P2',
    who: 'woman in a black coat, right one of that pair, 20–30 px from P1 all the way',
    spells: [
      [
        [18.4, 707, 100, 723, 155], [19.4, 707, 100, 723, 155], [20.4, 698, 103, 713, 155], [21.4, 688, 108, 705, 160],
        [22.4, 678, 113, 698, 168], [23.4, 670, 118, 690, 175], [24.4, 668, 123, 686, 182], [25.4, 652, 127, 672, 190],
        [26.4, 636, 133, 657, 196], [27.4, 632, 138, 652, 203],
      ],
    ],
  },
];

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = ix * iy;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

const boxOf = (r: Row): Box => ({ x1: r[1], y1: r[2], x2: r[3], y2: r[4] });
const frameKey = (t: number): number => Math.round(t * VTEST_DETECT_FPS);

interface Pairing {
  /** person name → track id, for the people paired at this time. */
  readonly tracked: Map<string, number>;
  /** people with some detection (tracked or not) at IoU ≥ MIN_IOU: tells detector misses from tracker ones. */
  readonly detected: Set<string>;
}

/** One-to-one pairing of the hand boxes at time `t` with the frame's boxes, best IoU first. */
function pairAt(t: number, dets: Detections): Pairing {
  const hand = PEOPLE.flatMap((p) => p.spells.flat().filter((r) => r[0] === t).map((r) => ({ name: p.name, box: boxOf(r) })));
  const greedy = (items: readonly Detections['items'][number][]): Map<string, number> => {
    const cands: { name: string; i: number; v: number }[] = [];
    for (const h of hand) items.forEach((d, i) => {
      const v = iou(h.box, d.box);
      if (v >= MIN_IOU) cands.push({ name: h.name, i, v });
    });
    cands.sort((a, b) => b.v - a.v);
    const out = new Map<string, number>();
    const used = new Set<number>();
    for (const c of cands) {
      if (out.has(c.name) || used.has(c.i)) continue;
      out.set(c.name, c.i);
      used.add(c.i);
    }
    return out;
  };
  const trackedItems = dets.items.filter((d) => d.trackId !== undefined);
  const tracked = new Map([...greedy(trackedItems)].map(([name, i]) => [name, trackedItems[i]!.trackId!]));
  return { tracked, detected: new Set(greedy(dets.items).keys()) };
}

describe('Tracker on real vtest.avi frames (17.0–27.6 s at 5 fps) against a hand annotation', () => {
  const pairings = new Map<number, Pairing>();
  let frames = 0;
  let det: PersonDetector;

  beforeAll(async () => {
    det = await PersonDetector.create({ registry: ModelRegistry.open() });
    const tracker = new Tracker({ fps: VTEST_DETECT_FPS });
    const wanted = new Map(ANNOTATED_AT.map((t) => [frameKey(t), t]));
    for await (const frame of vtestFrames({ cameraId: 'vtest', fromS: FROM_S, toS: TO_S })) {
      frames++;
      const { detections } = tracker.update(await det.detect(frame));
      const t = wanted.get(frameKey(videoTimeS(frame)));
      if (t !== undefined) pairings.set(t, pairAt(t, detections));
    }
  }, 180_000);

  afterAll(async () => {
    await det?.close();
  });

  it('ran every frame of the stretch and reached every annotated time', () => {
    expect(frames).toBe(Math.round((TO_S - FROM_S) * VTEST_DETECT_FPS));
    expect([...pairings.keys()]).toEqual(ANNOTATED_AT);
    // A typo in a row's time would silently drop it; 68 person-times were annotated.
    expect(PEOPLE.reduce((n, p) => n + p.spells.flat().length, 0)).toBe(68);
    for (const p of PEOPLE) for (const r of p.spells.flat()) expect(ANNOTATED_AT, `${p.name} row ${r.join(',')}`).toContain(r[0]);
  });

  it(`keeps each person's id: at most ${MAX_ID_SWITCHES} id switch and ${MAX_ID_TRANSFERS} ids passed between people`, () => {
    const switches: string[] = [];
    const owners = new Map<number, Set<string>>();
    for (const p of PEOPLE) {
      for (const spell of p.spells) {
        let last: number | null = null;
        for (const [t] of spell) {
          const id = pairings.get(t)?.tracked.get(p.name);
          if (id === undefined) continue;
          if (last !== null && id !== last) switches.push(`${p.name} at ${t} s: track ${last} → ${id}`);
          last = id;
          owners.set(id, (owners.get(id) ?? new Set()).add(p.name));
        }
      }
    }
    const transfers = [...owners].filter(([, names]) => names.size > 1).map(([id, names]) => `track ${id}: ${[...names].join(', ')}`);
    expect(switches.length, switches.join('; ')).toBeLessThanOrEqual(MAX_ID_SWITCHES);
    expect(transfers.length, transfers.join('; ')).toBeLessThanOrEqual(MAX_ID_TRANSFERS);
    // Every person who was paired at all got a track of their own: at least one id per person.
    expect(owners.size).toBeGreaterThanOrEqual(PEOPLE.length);
  });

  it(`has a track on each person for most of the time they are visible (each ≥ ${MIN_COVERAGE_EACH * 100} %, all ≥ ${MIN_COVERAGE_ALL * 100} %)`, () => {
    let paired = 0;
    let total = 0;
    const report: string[] = [];
    for (const p of PEOPLE) {
      const rows = p.spells.flat();
      const missed = rows.filter(([t]) => !pairings.get(t)?.tracked.has(p.name));
      // Say whether a miss was the detector's (no box at all) or the tracker's (a box without an id).
      const why = missed.map(([t]) => `${t} s ${pairings.get(t)?.detected.has(p.name) ? 'detected, untracked' : 'not detected'}`);
      const share = (rows.length - missed.length) / rows.length;
      report.push(`${p.name} ${rows.length - missed.length}/${rows.length}${why.length ? ` (${why.join(', ')})` : ''}`);
      expect(share, `${p.name} (${p.who}): ${why.join(', ')}`).toBeGreaterThanOrEqual(MIN_COVERAGE_EACH);
      paired += rows.length - missed.length;
      total += rows.length;
    }
    expect(paired / total, report.join('; ')).toBeGreaterThanOrEqual(MIN_COVERAGE_ALL);
  });
});
