/**
 * The agent as it runs, for `npm run bench -- capacity` (issue #19): `qmon run` spawned with N cameras read by ffmpeg
 * from files (decoding included), a line rule that fires (vtest.avi with a line across the walkway: dozens of
 * violations a minute, each with its picture), the dashboard listening with one logged-in event stream and every
 * camera's preview fetched every 10 s (an open cameras page, as often as it asks), the embedded hub. The per-camera counters come from the
 * agent's own shutdown summary ("agent stopped" in its JSON log); RSS and CPU of the agent and its children are read
 * from /proc while it runs. Reports, never asserts.
 *
 * Scenes: `busy` (vtest.avi, people always moving and crossing) and `quiet` (the composited corridor of the person
 * test set: one walker crosses for 5 s of every 20 s), encoded once into an H.264 file (as cameras send it) the cameras loop.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CameraSummary } from '../../agent/shared/camera-metrics.js';
import { loadPersonMedia, SCENES } from '../../test/support/persons/catalog.js';
import { VTEST_AVI } from '../../test/support/video-frames.js';
import { procCpuMs } from './cpu.js';
import { api, openStream } from './dashboard.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FPS = 5;
const PASSWORD = 'bench-password-1';

export type AgentScene = 'busy' | 'quiet';

export interface AgentStepRow {
  scenario: 'capacity';
  kind: 'agent-step';
  scene: AgentScene;
  cameras: number;
  seconds: number;
  frames_decoded: number;
  dropped: number;
  dropped_share: number;
  dropped_by: Record<string, number>;
  worst_camera_dropped_share: number;
  violations: number;
  pictures: Record<string, number>;
  /** CPU per snapshot made: the median camera's median, and the worst camera's 95th percentile. */
  picture_cpu_p50_ms: number | null;
  picture_cpu_p95_ms: number | null;
  /** The same per context picture made. */
  context_cpu_p50_ms: number | null;
  context_cpu_p95_ms: number | null;
  events_streamed: number;
  previews_served: number;
  /** Alert streamed → its context picture streamed (the revision that carries it), over the events that got one. */
  context_after_alert_p50_ms: number | null;
  context_after_alert_p95_ms: number | null;
  agent_rss_mb_max: number;
  snapshot_worker_rss_mb_max: number;
  ffmpeg_rss_mb_max: number;
  /** CPU of the agent, its snapshot worker and its ffmpeg processes together, % of one core per camera. */
  cpu_pct_per_camera: number;
  /** Where the CPU went, % of one core over the whole step: the agent (main thread + person workers), the picture worker, all ffmpegs. */
  cpu_pct_by: { agent: number; picture_worker: number; ffmpeg: number };
  sustained: boolean;
  [k: string]: unknown;
}

/** The camera's source and line for a scene. */
function cameraYaml(scene: AgentScene, file: string, i: number): string {
  const line =
    scene === 'busy'
      ? // The demo's corridor line across the walkway: most people in the clip cross it.
        `{ id: walk-${i}, points: [[380, 150], [380, 560]], direction: both, min_frames: 3, cooldown_s: 30 }`
      : `{ id: corridor-${i}, points: [[0, ${SCENES.quiet.lineY}], [768, ${SCENES.quiet.lineY}]], direction: both, min_frames: 3, cooldown_s: 30 }`;
  return [
    `  - id: cam${i}`,
    `    source: { file: ${JSON.stringify(file)} }`,
    `    detect: { fps: ${FPS}, width: 768, height: 576 }`,
    '    size: [768, 576]',
    '    rules:',
    `      lines: [${line}]`,
  ].join('\n');
}

function configYaml(dir: string, scene: AgentScene, file: string, n: number): string {
  return [
    'facility: { id: bench-01, name: "capacity bench" }',
    'hub: { url: embedded }',
    `storage: { dir: ${JSON.stringify(join(dir, 'data'))} }`,
    'local: { listen: 127.0.0.1:0, tls: off, language: en }',
    'cameras:',
    ...Array.from({ length: n }, (_, i) => cameraYaml(scene, file, i + 1)),
    '',
  ].join('\n');
}

/**
 * The quiet corridor as a 5 fps H.264 video (one 20 s period, near-lossless), made once per bench run: what an IP
 * camera streams (a lossless codec would cost the decoder several times what a camera's stream does).
 */
async function quietVideo(dir: string): Promise<string> {
  const media = await loadPersonMedia();
  const r = media.renderer('quiet');
  const file = join(dir, 'quiet.mp4');
  const raw = Buffer.concat(Array.from({ length: SCENES.quiet.period }, (_, t) => r.render(t).frame.pixels));
  const out = spawnSync('ffmpeg', ['-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${media.width}x${media.height}`, '-r', String(FPS), '-i', '-', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-g', '50', '-pix_fmt', 'yuv420p', '-y', file], {
    input: raw,
    maxBuffer: 1 << 20,
  });
  if (out.status !== 0) throw new Error(`ffmpeg could not encode the quiet scene: ${out.stderr.toString()}`);
  return file;
}

/** Every process below `pid` (children, their children…), from /proc. */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number): void => {
    let kids: number[] = [];
    try {
      for (const t of readdirSync(`/proc/${p}/task`)) kids.push(...readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {
      kids = [];
    }
    for (const k of kids) {
      out.push(k);
      walk(k);
    }
  };
  walk(pid);
  return out;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function commOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** CPU ms of a process tree now; processes that ended since are missed (sampled just before the end). */
function treeCpuMs(pid: number): Map<number, number> {
  const m = new Map<number, number>();
  for (const p of [pid, ...descendants(pid)]) {
    try {
      m.set(p, procCpuMs(p));
    } catch {
      // ended between listing and reading
    }
  }
  return m;
}

/** What the dashboard's cameras page waits between two previews of a camera (PREVIEW_REFRESH_MS in agent/local/ui/views/cameras.js). */
const CAMERAS_PAGE_PREVIEW_REFRESH_MS = 10_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs the agent with `n` cameras of `scene` for `seconds`; the row of what it carried. */
/** RSS of the agent and of its snapshot worker at one moment of a run (seconds since the start). */
export interface RssSample {
  readonly s: number;
  readonly agentMb: number;
  readonly workerMb: number;
}

export async function runAgentStep(scene: AgentScene, n: number, seconds: number, sceneFile: string, samples?: RssSample[], sampleEveryS = 30): Promise<AgentStepRow> {
  const dir = mkdtempSync(join(tmpdir(), 'qmon-bench-agent-'));
  const config = join(dir, 'qmon.yaml');
  writeFileSync(config, configYaml(dir, scene, sceneFile, n));
  const tsx = ['--import', 'tsx', join(ROOT, 'agent/cli.ts')];
  const user = spawnSync(process.execPath, [...tsx, 'user', 'add', 'bench', '--role', 'admin', '--config', config, '--password-stdin'], { input: PASSWORD, cwd: ROOT, encoding: 'utf8' });
  if (user.status !== 0) throw new Error(`qmon user add failed: ${user.stderr}`);
  // CAPACITY_AGENT_PROFILE_DIR: V8 CPU profiles of the agent's threads (main and person workers) written there.
  const profileDir = process.env.CAPACITY_AGENT_PROFILE_DIR;
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const agent: ChildProcess = spawn(process.execPath, [...profile, ...tsx, 'run', '--config', config, '--duration', String(seconds), '--log-json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stopped: unknown = null;
  let pending = '';
  agent.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (line.includes('"agent stopped"')) stopped = (JSON.parse(line) as { stats: unknown }).stats;
    }
  });
  const url = await new Promise<string>((resolve, reject) => {
    let said = '';
    const t = setTimeout(() => reject(new Error(`the agent printed no dashboard URL in 120 s:\n${said}`)), 120_000);
    agent.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      said += chunk;
      const m = /dashboard (http:\/\/\S+)/.exec(said);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
    agent.once('exit', (code) => reject(new Error(`the agent exited (${code}) before its dashboard was up:\n${said}`)));
  });
  const exited = new Promise<void>((resolve) => agent.once('exit', () => resolve()));
  const { cookie } = await api(url, '/api/session', { username: 'bench', password: PASSWORD });
  const streamed = new Map<string, number>();
  const contextAt = new Map<string, number>();
  const stream = await openStream(url, cookie, streamed, (msg, at) => {
    const id = /"event_id":"([^"]+)"/.exec(msg)?.[1];
    if (id && /"context":\{/.test(msg) && !contextAt.has(id)) contextAt.set(id, at);
  });
  let previews = 0;
  // What each child is (its comm can change at exec, so it is read while it runs).
  const kindAt = new Map<number, 'ffmpeg' | 'picture_worker'>();
  const rss = { agent: 0, worker: 0, ffmpeg: 0 };
  let cpuStart: Map<number, number> | null = null;
  let cpuEnd: Map<number, number> | null = null;
  let t0 = 0;
  let t1 = 0;
  const started = Date.now();
  // Warm-up: models loaded, ffmpeg started, first frames through; CPU is counted from here to just before the end.
  const measureFrom = started + Math.min(10_000, seconds * 250);
  const measureTo = started + seconds * 1000 - 2_000;
  let running = true;
  let previewing = false;
  let lastPreviews = 0;
  void exited.then(() => (running = false));
  while (running && Date.now() < started + seconds * 1000 + 30_000) {
    const now = Date.now();
    if (cpuStart === null && now >= measureFrom) [cpuStart, t0] = [treeCpuMs(agent.pid!), now];
    if (cpuEnd === null && now >= measureTo) [cpuEnd, t1] = [treeCpuMs(agent.pid!), now];
    const kids = descendants(agent.pid!);
    for (const k of kids) if (!kindAt.has(k)) kindAt.set(k, commOf(k) === 'ffmpeg' ? 'ffmpeg' : 'picture_worker');
    const agentMb = rssMb(agent.pid!);
    const workerMb = kids.filter((k) => commOf(k) === 'node').reduce((a, k) => a + rssMb(k), 0);
    rss.agent = Math.max(rss.agent, agentMb);
    rss.worker = Math.max(rss.worker, workerMb);
    const at = (now - started) / 1000;
    if (samples && (samples.length === 0 || at - samples.at(-1)!.s >= sampleEveryS)) samples.push({ s: Math.round(at), agentMb: Math.round(agentMb), workerMb: Math.round(workerMb) });
    rss.ffmpeg = Math.max(rss.ffmpeg, kids.filter((k) => commOf(k) === 'ffmpeg').reduce((a, k) => a + rssMb(k), 0));
    // One open cameras page: every camera's preview as often as the page asks for it (in the background: a slow
    // preview must not stall the sampling).
    if (!previewing && now - lastPreviews >= CAMERAS_PAGE_PREVIEW_REFRESH_MS) {
      previewing = true;
      lastPreviews = now;
      void Promise.all(
        Array.from({ length: n }, (_, i) => fetch(new URL(`/api/cameras/cam${i + 1}/preview.jpg`, url), { headers: { Cookie: cookie } }).then(async (r) => (await r.arrayBuffer(), r.ok)).catch(() => false)),
      ).then((got) => {
        previews += got.filter(Boolean).length;
        previewing = false;
      });
    }
    await sleep(500);
  }
  stream.abort();
  await exited;
  rmSync(dir, { recursive: true, force: true });
  if (stopped === null) throw new Error('the agent ended without its "agent stopped" summary');
  const cams = Object.values((stopped as { cameras: Record<string, CameraSummary> }).cameras);
  const sum = (f: (c: CameraSummary) => number): number => cams.reduce((a, c) => a + f(c), 0);
  const decoded = sum((c) => c.decoded);
  const dropped = sum((c) => c.dropped);
  const r1 = (x: number): number => Math.round(x * 10) / 10;
  let cpuMs = 0;
  const cpuBy = { agent: 0, picture_worker: 0, ffmpeg: 0 };
  if (cpuStart && cpuEnd) {
    for (const [pid, ms] of cpuEnd) {
      const used = ms - (cpuStart.get(pid) ?? 0);
      cpuMs += used;
      cpuBy[pid === agent.pid ? 'agent' : (kindAt.get(pid) ?? 'picture_worker')] += used;
    }
  }
  const cpuWallS = (t1 - t0) / 1000;
  const pctOfCore = (ms: number): number => (cpuWallS > 0 ? r1(ms / (cpuWallS * 10)) : 0);
  const cpuSamples = cams.map((c) => c.pictures.cpuP95Ms).filter((x): x is number => x !== null);
  const contextSamples = cams.map((c) => c.pictures.contextCpuP95Ms).filter((x): x is number => x !== null);
  const contextLag = [...contextAt].flatMap(([id, at]) => (streamed.has(id) ? [at - streamed.get(id)!] : [])).sort((a, b) => a - b);
  const pick = (q: number): number | null => (contextLag.length ? Math.round(contextLag[Math.min(contextLag.length - 1, Math.ceil(q * contextLag.length) - 1)]!) : null);
  const share = decoded > 0 ? dropped / decoded : 0;
  return {
    scenario: 'capacity',
    kind: 'agent-step',
    scene,
    cameras: n,
    seconds,
    frames_decoded: decoded,
    dropped,
    dropped_share: Math.round(share * 10_000) / 10_000,
    dropped_by: { handoff: sum((c) => c.droppedBy.handoff), scheduler: sum((c) => c.droppedBy.scheduler), budget: sum((c) => c.droppedBy.budget) },
    worst_camera_dropped_share: Math.round(Math.max(...cams.map((c) => (c.decoded ? c.dropped / c.decoded : 0))) * 10_000) / 10_000,
    violations: sum((c) => c.violations),
    pictures: { made: sum((c) => c.pictures.made), failed: sum((c) => c.pictures.failed), skipped: sum((c) => c.pictures.skipped), deferred: sum((c) => c.pictures.deferred) },
    picture_cpu_p50_ms: median(cams.map((c) => c.pictures.cpuP50Ms).filter((x): x is number => x !== null)),
    picture_cpu_p95_ms: cpuSamples.length ? r1(Math.max(...cpuSamples)) : null,
    context_cpu_p50_ms: median(cams.map((c) => c.pictures.contextCpuP50Ms).filter((x): x is number => x !== null)),
    context_cpu_p95_ms: contextSamples.length ? r1(Math.max(...contextSamples)) : null,
    events_streamed: streamed.size,
    previews_served: previews,
    context_after_alert_p50_ms: pick(0.5),
    context_after_alert_p95_ms: pick(0.95),
    agent_rss_mb_max: r1(rss.agent),
    snapshot_worker_rss_mb_max: r1(rss.worker),
    ffmpeg_rss_mb_max: r1(rss.ffmpeg),
    cpu_pct_per_camera: cpuWallS > 0 ? r1(cpuMs / (cpuWallS * 10) / n) : 0,
    cpu_pct_by: { agent: pctOfCore(cpuBy.agent), picture_worker: pctOfCore(cpuBy.picture_worker), ffmpeg: pctOfCore(cpuBy.ffmpeg) },
    sustained: share < 0.01,
  };
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.floor((s.length - 1) / 2)] as number) * 10) / 10;
}

/** The scene's video file (vtest.avi as shipped, the quiet corridor encoded into `dir`). */
export async function sceneFile(scene: AgentScene, dir: string): Promise<string> {
  return scene === 'busy' ? VTEST_AVI : quietVideo(dir);
}
