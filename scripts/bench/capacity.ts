/**
 * `npm run bench -- capacity`: how many cameras one box carries at 5 detect-fps with < 1 % of frames dropped, for
 * today's pipeline and for each lever, on a busy scene (vtest.avi, people always moving) and a quiet one (the
 * composited corridor with a person a quarter of the time); plus each lever's person recall/precision on the
 * composited `crossings` scene (truth by construction), its line crossings and whether the person standing still all
 * clip stays tracked.
 *
 * The cameras run the agent's own path: a latest-wins hand-off per camera (the supervisor's), CameraPipeline →
 * FrameStep → VisionScheduler → detector → Tracker → line rule → lifecycle; every frame lost on the way is in
 * `stats.dropped`. Frames are decoded once up front, so ffmpeg's CPU is not in `cpu_pct_per_camera`.
 *
 * Levers (see `levers()`): `full` (whole frames behind the frame-level motion gate, the default before regions),
 * `regions`, `regions+stationary` (the agent's detection, one 2-thread session), the same with 256 / 384 px regions, `full-threads1`,
 * `full-pool-session-per-core` and `regions+stationary-pool` (the agent as it runs: one single-threaded worker session per core under the scheduler's
 * maxInFlight); int8 is measured by scripts/models/quantize-centernet.ts, not here (not shipped). Levers that detect exactly
 * what another does (threads, pools) skip the quality rows. Quality rows per lever: the composited `crossings` scene
 * through the whole path, the model on the hand-labelled vtest frames, and persons reported on tree.avi (must be 0).
 *
 * Bounded: each step runs CAPACITY_STEP_S seconds (default 8) at camera counts 2, 4, 6, 8, 10, 12, 16, 20, 24 until one
 * drops ≥ 1 %; CAPACITY_MAX_CAMERAS (default 24) caps it; CAPACITY_LEVERS (comma list) picks levers. All levers take about 15 min.
 *
 * Then the agent as it runs (capacity-agent.ts): `qmon run` with decoding, rules firing, pictures, the dashboard and
 * its previews, at the same camera counts for CAPACITY_AGENT_S seconds each (default 60) until one drops ≥ 1 %
 * (CAPACITY_AGENT_SCENES, default busy,quiet; `none` skips it), and per scene the ratio of what the agent carries to
 * what the harness's agent lever (`regions+stationary-pool`) carried in the same run. This harness is the upper bound.
 */
import { LatestSlot } from '../../agent/decode/index.js';
import { ViolationLifecycle } from '../../agent/events/index.js';
import { silentLogger } from '../../agent/ops/index.js';
import { RuleEngine } from '../../agent/rules/index.js';
import { systemClock } from '../../agent/shared/clock.js';
import type { Detections, Frame } from '../../agent/shared/types.js';
import { Tracker } from '../../agent/track/index.js';
import { DetectorPool, ModelRegistry, PersonDetector, RegionDetector, VisionScheduler, defaultThreads } from '../../agent/vision/index.js';
import { CameraPipeline, FrameStep } from '../../agent/pipeline/index.js';
import { CameraMetrics, type CameraSummary } from '../../agent/shared/camera-metrics.js';
import { loadPersonMedia, loadVtestLabels, SCENES, type PersonMedia } from '../../test/support/persons/catalog.js';
import { iou, matchFrame, recallPrecision, type Tally } from '../../test/support/persons/evaluate.js';
import { expectedCrossings } from '../../test/support/persons/scenes.js';
import { readVideoFrames, TREE_AVI, VTEST_AVI } from '../../test/support/video-frames.js';
import { nodeCpuMs } from './cpu.js';
import { runAgentStep, sceneFile, type AgentScene } from './capacity-agent.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FPS = 5;
const STEPS = [2, 4, 6, 8, 10, 12, 16, 20, 24];
const LINE = { id: 'middle', points: [[0, 300], [768, 300]], direction: 'both', min_frames: 3, cooldown_s: 30 } as const;

export interface Lever {
  readonly name: string;
  readonly mode: 'full' | 'regions';
  /** The scheduler's frame-level motion gate (today's agent has it on). */
  readonly gate: boolean;
  readonly stationary: boolean;
  readonly threads: number;
  /** Detector sessions run at once (a DetectorPool under the scheduler's maxInFlight); 1 = today. */
  readonly sessions: number;
  /** Same model and detection logic as the baseline: quality is the baseline's, not measured again. */
  readonly sameDetections: boolean;
  /** Scenes to measure capacity on (quality is measured once per lever). */
  readonly scenes: readonly ('busy' | 'quiet')[];
  /** Smallest region side (regions mode); default the agent's DEFAULT_REGION_SIDE. */
  readonly regionSide?: number;
  /** Person model by its models.json name; default the first with role person (the fp32 CenterNet). */
  readonly model?: string;
  /** Longest side of the person model's input; default the model's (512). */
  readonly inputSide?: number;
  /** Person score threshold (detector and tracker); default the agent's (0.4). */
  readonly minScore?: number;
}

export function levers(): Lever[] {
  const t = defaultThreads();
  const cores = Math.max(2, t);
  const base = { threads: t, sessions: 1, sameDetections: false, scenes: ['busy', 'quiet'] } as const;
  const all: Lever[] = [
    // Whole frames behind the frame-level motion gate: the agent's default before regions.
    { ...base, name: 'full', mode: 'full', gate: true, stationary: false },
    { ...base, name: 'regions', mode: 'regions', gate: false, stationary: false },
    // The agent's detection (detect.mode: regions) on one 2-thread session; the agent itself is `regions+stationary-pool`.
    { ...base, name: 'regions+stationary', mode: 'regions', gate: false, stationary: true },
    { ...base, name: 'regions+stationary-256', mode: 'regions', gate: false, stationary: true, regionSide: 256, scenes: ['quiet'] },
    { ...base, name: 'regions+stationary-384', mode: 'regions', gate: false, stationary: true, regionSide: 384, scenes: ['quiet'] },
    { ...base, name: 'full-threads1', mode: 'full', gate: true, stationary: false, threads: 1, sameDetections: true, scenes: ['busy'] },
    { ...base, name: 'full-pool-session-per-core', mode: 'full', gate: true, stationary: false, threads: 1, sessions: cores, sameDetections: true, scenes: ['busy'] },
    // Regions + stationary, one single-threaded worker session per core, the model's whole 512 input (the agent before
    // models.person.input_side).
    { ...base, name: 'regions+stationary-pool-512', mode: 'regions', gate: false, stationary: true, threads: 1, sessions: cores, sameDetections: true },
    // The agent as it runs: the same at its default input side 320 with the threshold measured for it.
    { ...base, name: 'regions+stationary-pool', mode: 'regions', gate: false, stationary: true, threads: 1, sessions: cores, inputSide: 320, minScore: 0.32 },
  ];
  const pick = process.env.CAPACITY_LEVERS?.split(',').map((s) => s.trim());
  return pick ? all.filter((l) => pick.includes(l.name)) : all;
}

/** The detector stack of a lever: what the scheduler runs, and the region detector to tell the tracks (or null). */
function visionFor(lever: Lever, persons: readonly PersonDetector[]): { scheduler: VisionScheduler; regions: RegionDetector | null } {
  const first = persons[0] as PersonDetector;
  const person = persons.length > 1 ? new DetectorPool(persons) : first;
  const regions =
    lever.mode === 'regions'
      ? new RegionDetector({ detector: person, sizing: first, stationary: lever.stationary ? {} : false, ...(lever.regionSide !== undefined && { regionSide: lever.regionSide }) })
      : null;
  const scheduler = new VisionScheduler({ detector: regions ?? person, clock: systemClock, motion: lever.gate ? {} : false, maxInFlight: persons.length });
  return { scheduler, regions };
}

function stepParts(cameraId: string, scheduler: VisionScheduler, regions: RegionDetector | null, minScore = 0.4) {
  const metrics = new CameraMetrics(cameraId);
  scheduler.attach(metrics);
  return {
    cameraId,
    metrics,
    vision: scheduler,
    attributes: null,
    tamperThumbHeight: 0,
    tracker: new Tracker({ fps: FPS, high_score: minScore }),
    rules: RuleEngine.fromConfig({ lines: [LINE] }, { utcOffsetMin: 0 }),
    lifecycle: new ViolationLifecycle({ sink: { record: () => undefined } }),
    logger: silentLogger(),
    pictures: null,
    ...(regions && { observeTracks: (d: Detections) => regions.observe(d) }),
  };
}

export interface CapacityRow {
  scenario: 'capacity';
  kind: 'step' | 'summary' | 'quality' | 'agent-step';
  lever: string;
  scene?: string;
  [k: string]: unknown;
}

interface StepResult {
  cameras: number;
  seconds: number;
  frames: number;
  dropped: number;
  dropped_share: number;
  worst_camera_dropped_share: number;
  inferences_per_frame: number;
  regions_per_frame: number;
  gated_per_frame: number;
  stationary_skipped: number;
  cpu_pct_per_camera: number;
  sustained: boolean;
}

/** N cameras for `seconds`, paced in real time; frames are offered latest-wins as the supervisor does. */
async function runStep(lever: Lever, person: readonly PersonDetector[], clip: readonly Frame[], n: number, seconds: number): Promise<StepResult> {
  const { scheduler, regions } = visionFor(lever, person);
  const cams = Array.from({ length: n }, (_, c) => {
    const slot = new LatestSlot<Frame>();
    const id = `cam-${c + 1}`;
    const parts = stepParts(id, scheduler, regions, lever.minScore);
    const pipeline = new CameraPipeline({
      ...parts,
      supervisor: { start: () => undefined, stop: () => Promise.resolve(slot.close()), frames: () => slot[Symbol.asyncIterator]() },
      detectFps: FPS,
    });
    return { id, slot, pipeline, metrics: parts.metrics, offset: (c * 37) % clip.length, phase: (c * 1000) / FPS / n, sent: 0 };
  });
  const total = Math.round(seconds * FPS);
  const cpu0 = nodeCpuMs();
  const start = systemClock.now();
  for (const c of cams) c.pipeline.start();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = systemClock.now();
      for (const c of cams) {
        const due = Math.min(total, Math.floor((now - start - c.phase) / (1000 / FPS)) + 1);
        for (; c.sent < due; c.sent++) {
          const src = clip[(c.offset + c.sent) % clip.length] as Frame;
          // Counted as the camera supervisor counts it: a frame replaced unread in the hand-off.
          if (c.slot.push({ ...src, cameraId: c.id, seq: c.sent, ts: now, wallTs: Date.now() })) c.metrics.dropped.handoff++;
        }
      }
      if (cams.every((c) => c.sent >= total)) resolve();
      else setTimeout(tick, 5);
    };
    tick();
  });
  // A frame still waiting when the clip ends is processed (close keeps it); one replaced before was dropped.
  await Promise.all(cams.map((c) => c.pipeline.stop()));
  const wall = (systemClock.now() - start) / 1000;
  const cpu = nodeCpuMs() - cpu0;
  await scheduler.close();
  const st = cams.map((c) => c.metrics.summary());
  const sum = (k: keyof CameraSummary & ('dropped' | 'inferences' | 'regions' | 'gated' | 'stationarySkipped')) => st.reduce((a, s) => a + s[k], 0);
  const offered = n * total;
  const worst = Math.max(...st.map((s) => s.dropped / total));
  return {
    cameras: n,
    seconds,
    frames: offered,
    dropped: sum('dropped'),
    dropped_share: round4(sum('dropped') / offered),
    worst_camera_dropped_share: round4(worst),
    inferences_per_frame: round4(sum('inferences') / offered),
    regions_per_frame: round4(sum('regions') / offered),
    gated_per_frame: round4(sum('gated') / offered),
    stationary_skipped: sum('stationarySkipped'),
    cpu_pct_per_camera: Math.round((cpu / (wall * 1000) / n) * 1000) / 10,
    // Over all cameras: with 40 frames per camera in an 8 s step one lost frame is 2.5 % of that camera, so a per-camera
    // criterion would be noise; the scheduler is fair, so the worst camera is reported beside it.
    sustained: sum('dropped') / offered < 0.01,
  };
}

/** The lever on every frame of `crossings`, in order: recall/precision of what the rules get, crossings, the stander. */
async function quality(lever: Lever, person: readonly PersonDetector[], media: PersonMedia): Promise<Record<string, unknown>> {
  const scene = SCENES.crossings;
  const r = media.renderer('crossings');
  const { scheduler, regions } = visionFor(lever, person);
  let found: Detections | null = null;
  const vision = { submit: async (f: Frame) => (found = await scheduler.submit(f)) };
  const step = new FrameStep({ ...stepParts('quality', scheduler, regions, lever.minScore), vision });
  const tally: Tally = { tp: 0, fp: 0, fn: 0 };
  let crossings = 0;
  let standerTracked = 0;
  for (let t = 0; t < scene.frames; t++) {
    const f = r.render(t);
    const res = await step.process(f.frame);
    if (found) matchFrame((found as Detections).items, f.truth, 0.5, tally);
    crossings += res?.events.filter((e) => e.type === 'line_cross').length ?? 0;
    const stander = f.truth.find((x) => x.id === 5);
    if (stander && res?.detections.items.some((d) => d.trackId !== undefined && iou(d.box, stander.box) >= 0.5)) standerTracked++;
  }
  await scheduler.close();
  const want = expectedCrossings(scene);
  return {
    ...recallPrecision(tally),
    ...tally,
    crossings,
    crossings_expected: want.down + want.up,
    stander_tracked_share: round4(standerTracked / scene.frames),
    inferences_per_frame: round4(step.metrics.inferred / scene.frames),
    regions_per_frame: round4(step.metrics.regions / scene.frames),
  };
}

/** The lever's model on the hand-labelled vtest frames (single frames: the model's own recall, whatever the mode). */
async function labelledQuality(person: PersonDetector): Promise<Record<string, unknown>> {
  const tally: Tally = { tp: 0, fp: 0, fn: 0 };
  for (const l of await loadVtestLabels()) matchFrame((await person.detect(l.frame)).items, l.truth, 0.5, tally);
  return { ...recallPrecision(tally), ...tally };
}

/** tree.avi decoded once for every lever. */
let treeClip: ReturnType<typeof readVideoFrames> | null = null;

/** Persons the lever's whole path reports on tree.avi (a swaying tree, no one there): must stay 0. */
async function treePersons(lever: Lever, person: readonly PersonDetector[]): Promise<number> {
  treeClip ??= readVideoFrames(TREE_AVI, Array.from({ length: 68 }, (_, i) => i));
  const t = await treeClip;
  const { scheduler, regions } = visionFor(lever, person);
  let found = 0;
  for (const [i, pixels] of t.frames.entries()) {
    const d = await scheduler.submit({ cameraId: 'tree', seq: i, ts: i * 200, wallTs: 0, width: t.width, height: t.height, format: 'rgb24', pixels });
    if (d) {
      found += d.items.length;
      regions?.observe(d);
    }
  }
  await scheduler.close();
  return found;
}

export async function benchCapacity(): Promise<CapacityRow[]> {
  const stepS = Number(process.env.CAPACITY_STEP_S ?? 8);
  const maxN = Number(process.env.CAPACITY_MAX_CAMERAS ?? 24);
  if (!(stepS > 0) || !(maxN >= 1)) throw new RangeError('CAPACITY_STEP_S must be > 0 and CAPACITY_MAX_CAMERAS ≥ 1');
  const agentS = Number(process.env.CAPACITY_AGENT_S ?? 60);
  if (!(agentS >= 10)) throw new RangeError('CAPACITY_AGENT_S must be ≥ 10 (seconds per agent step)');
  const agentScenes = (process.env.CAPACITY_AGENT_SCENES ?? 'busy,quiet').split(',').map((x) => x.trim()).filter((x) => x !== 'none');
  const unknownScene = agentScenes.find((x) => x !== 'busy' && x !== 'quiet');
  if (unknownScene !== undefined) throw new RangeError(`CAPACITY_AGENT_SCENES: unknown scene "${unknownScene}" (busy, quiet or none)`);
  const media = await loadPersonMedia();
  const clips = { busy: await busyClip(), quiet: Array.from({ length: SCENES.quiet.period }, (_, t) => media.renderer('quiet').render(t).frame) };
  const registry = ModelRegistry.open();
  const rows: CapacityRow[] = [];
  for (const lever of levers()) {
    const person: PersonDetector[] = [];
    try {
      if (lever.model !== undefined && !registry.entries().some((m) => m.name === lever.model)) {
        process.stderr.write(`  capacity ${lever.name}: no model "${lever.model}" in models.json, skipped\n`);
        continue;
      }
      for (let i = 0; i < lever.sessions; i++) {
        // As the agent does it: several sessions only run at once in worker threads (agent/vision/ort-worker.ts).
        person.push(
          await PersonDetector.create({
            registry,
            threads: lever.threads,
            worker: lever.sessions > 1,
            ...(lever.model !== undefined && { model: lever.model }),
            ...(lever.inputSide !== undefined && { inputSide: lever.inputSide }),
            ...(lever.minScore !== undefined && { minScore: lever.minScore }),
          }),
        );
      }
      for (const p of person) await p.detect(clips.busy[0] as Frame); // warm-up
      if (!lever.sameDetections) {
        rows.push({ scenario: 'capacity', kind: 'quality', lever: lever.name, scene: 'crossings', ...(await quality(lever, person, media)) });
        rows.push({ scenario: 'capacity', kind: 'quality', lever: lever.name, scene: 'vtest-labelled', ...(await labelledQuality(person[0] as PersonDetector)) });
        rows.push({ scenario: 'capacity', kind: 'quality', lever: lever.name, scene: 'tree', persons: await treePersons(lever, person) });
      }
      for (const scene of lever.scenes) {
        let best = 0;
        for (const n of STEPS.filter((s) => s <= maxN)) {
          const step = await runStep(lever, person, clips[scene], n, stepS);
          rows.push({ scenario: 'capacity', kind: 'step', lever: lever.name, scene, threads: lever.threads, sessions: lever.sessions, ...step });
          process.stderr.write(`  capacity ${lever.name} ${scene} ${n} cameras: dropped ${step.dropped_share}, ${step.inferences_per_frame} inferences/frame\n`);
          if (!step.sustained) break;
          best = n;
        }
        rows.push({ scenario: 'capacity', kind: 'summary', lever: lever.name, scene, threads: lever.threads, max_cameras_under_1pct_dropped: best, tried_up_to: maxN });
      }
    } finally {
      for (const p of person) await p.close();
    }
  }
  rows.push(...(await agentCapacity(agentScenes as AgentScene[], maxN, agentS, rows)));
  return rows;
}

/** The agent as it runs, per scene, until a step drops ≥ 1 %; then the agent / harness ratio where both were measured. */
async function agentCapacity(scenes: readonly AgentScene[], maxN: number, seconds: number, harness: readonly CapacityRow[]): Promise<CapacityRow[]> {
  const rows: CapacityRow[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'qmon-bench-scenes-'));
  try {
    for (const scene of scenes) {
      const file = await sceneFile(scene, dir);
      let best = 0;
      for (const n of STEPS.filter((s) => s <= maxN)) {
        const step = await runAgentStep(scene, n, seconds, file);
        rows.push({ ...step, lever: 'agent' });
        process.stderr.write(`  capacity agent ${scene} ${n} cameras: dropped ${step.dropped_share}, ${step.violations} violations, pictures p95 ${step.picture_cpu_p95_ms} ms\n`);
        if (!step.sustained) break;
        best = n;
      }
      const bound = harness.find((r) => r.kind === 'summary' && r.lever === 'regions+stationary-pool' && r.scene === scene)?.max_cameras_under_1pct_dropped;
      rows.push({
        scenario: 'capacity',
        kind: 'summary',
        lever: 'agent',
        scene,
        max_cameras_under_1pct_dropped: best,
        tried_up_to: maxN,
        harness_max_cameras: typeof bound === 'number' ? bound : null,
        agent_vs_harness: typeof bound === 'number' && bound > 0 ? Math.round((best / bound) * 100) / 100 : null,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** vtest.avi at 5 fps (every 2nd frame of its 10 fps), 50 frames = 10 s, looped per camera. */
async function busyClip(): Promise<Frame[]> {
  const idx = Array.from({ length: 50 }, (_, i) => 100 + i * 2);
  const v = await readVideoFrames(VTEST_AVI, idx);
  return v.frames.map((pixels, i) => ({ cameraId: 'busy', seq: i, ts: i * 200, wallTs: 0, width: v.width, height: v.height, format: 'rgb24', pixels }));
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
