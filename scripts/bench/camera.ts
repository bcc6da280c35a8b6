/**
 * Camera ingest cost and capacity (numbers are reported, never asserted).
 *
 * Stream: a 1280x720 25 fps H.264 clip generated here with ffmpeg (lavfi `testsrc2`, x264 main
 * profile ~3 Mbit/s, 2 s GOP, like a camera's main stream; no recording of people), served in a loop
 * by the real RTSP server (test/support/rtsp-server.py, GStreamer; it repacketizes, never re-encodes) on
 * loopback and read over RTSP/TCP.
 *
 * 1. overhead: CPU of the agent's ingest path for one camera (CameraSupervisor + its ffmpeg, decoding
 *    to 768x432 rgb24 at 5 detect-fps, plus a consumer that takes every frame) against bare
 *    `ffmpeg -i URL -f null -` decoding the same stream, over the same duration, in the same run,
 *    alternating A/B/A/B to spread machine noise. CPU = node's process.cpuUsage() + the ffmpeg
 *    child's utime+stime from /proc/<pid>/stat.
 * 2. capacity: N cameras at once (all on the same mount: the server sends N copies, decodes
 *    nothing), N rising until a camera misses 1 % of its 5 detect-fps frames; the missed share is
 *    1 - (measured fps / 5), from each camera's frame arrival times over the window. Ingest only:
 *    no inference runs here (that is the detector scenario's cost).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { CameraSupervisor } from '../../agent/camera/index.js';
import { RtspTestServer } from '../../test/support/rtsp-server.js';
import { nodeCpuMs, procCpuMs } from './cpu.js';

const DETECT = { width: 768, height: 432, fps: 5 } as const;
const STREAM = { width: 1280, height: 720, fps: 25 } as const;
const MISSED_LIMIT = 0.01;

export interface CameraBenchOptions {
  /** Seconds each CPU measurement lasts. Default 20. */
  readonly seconds?: number;
  /** Camera counts to try in the ramp (stops at the first that misses ≥ 1 %). */
  readonly ramp?: readonly number[];
  /** Seconds each ramp step measures. Default 20. */
  readonly rampSeconds?: number;
  /** Skip the ramp (the overhead rows only). */
  readonly skipRamp?: boolean;
  readonly log?: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round = (v: number, d = 2): number => Math.round(v * 10 ** d) / 10 ** d;

/** The benchmark clip, cached across runs. */
function prepareClip(log: (l: string) => void): string {
  const dir = join(os.tmpdir(), 'qmon-bench');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `testsrc2-${STREAM.width}x${STREAM.height}-${STREAM.fps}fps-20s.mp4`);
  if (existsSync(path)) return path;
  log(`camera: generating ${path} (ffmpeg lavfi testsrc2, x264 main ~3 Mbit/s)`);
  execFileSync('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${STREAM.width}x${STREAM.height}:rate=${STREAM.fps}`, '-t', '20',
    '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-pix_fmt', 'yuv420p',
    '-b:v', '3M', '-maxrate', '3M', '-bufsize', '6M', '-g', String(STREAM.fps * 2), `${path}.tmp.mp4`,
  ]);
  execFileSync('mv', [`${path}.tmp.mp4`, path]);
  return path;
}

interface Cam {
  sup: CameraSupervisor;
  arrivals: number[];
  reader: Promise<void>;
}

function startCamera(url: string, id: string): Cam {
  const sup = new CameraSupervisor({
    cameraId: id,
    input: { kind: 'rtsp', url },
    output: { ...DETECT, format: 'rgb24' },
    overFps: false,
  });
  const arrivals: number[] = [];
  const reader = (async () => {
    for await (const _f of sup.frames()) arrivals.push(performance.now());
  })();
  sup.start();
  return { sup, arrivals, reader };
}

async function stopCameras(cams: readonly Cam[]): Promise<void> {
  await Promise.all(cams.map(async (c) => {
    await c.sup.stop();
    await c.reader;
  }));
}

async function waitFirstFrames(cams: readonly Cam[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (cams.some((c) => c.arrivals.length === 0)) {
    if (Date.now() > deadline) throw new Error('camera bench: a camera delivered no frame within 60 s');
    await sleep(50);
  }
}

/**
 * After its first picture an ffmpeg catches up on what arrived while it probed, delivering faster
 * than the detect rate for a few seconds (longer when many start at once). Measuring then would
 * overstate the rate, so wait until no camera delivered more than the rate allows in the last 2 s.
 */
async function waitSteady(cams: readonly Cam[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await sleep(2000);
  for (;;) {
    const now = performance.now();
    const burst = cams.some((c) => c.arrivals.filter((t) => t > now - 2000).length > DETECT.fps * 2 + 1);
    if (!burst || Date.now() > deadline) return;
    await sleep(500);
  }
}

/**
 * CPU ms per second this process burns doing nothing: under tsx (how `npm run bench` runs) the
 * loader's worker alone costs ~0.8 % of a core, which the compiled agent does not pay. Measured
 * once and subtracted from the node side, and reported.
 */
async function idleNodeCpu(seconds = 5): Promise<number> {
  const c0 = nodeCpuMs();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  return (nodeCpuMs() - c0) / ((performance.now() - t0) / 1000);
}

/** One camera through the agent's path: CPU ms per second of stream (node + ffmpeg). */
async function measureAgent(url: string, seconds: number): Promise<{ node: number; ffmpeg: number; fps: number }> {
  const cam = startCamera(url, 'bench-agent');
  try {
    await waitFirstFrames([cam]);
    await waitSteady([cam]);
    const pid = cam.sup.pid;
    if (!pid) throw new Error('camera bench: ffmpeg is not running');
    const n0 = nodeCpuMs();
    const f0 = procCpuMs(pid);
    const a0 = cam.arrivals.length;
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const wall = (performance.now() - t0) / 1000;
    const f1 = procCpuMs(pid);
    const n1 = nodeCpuMs();
    if (cam.sup.pid !== pid) throw new Error('camera bench: ffmpeg restarted during the measurement');
    return { node: (n1 - n0) / wall, ffmpeg: (f1 - f0) / wall, fps: (cam.arrivals.length - a0) / wall };
  } finally {
    await stopCameras([cam]);
  }
}

/** Bare `ffmpeg -f null -` on the same stream: CPU ms per second. */
async function measureBare(url: string, seconds: number): Promise<number> {
  const child = execFile('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', url, '-an', '-f', 'null', '-']);
  const pid = child.pid;
  if (!pid) throw new Error('camera bench: bare ffmpeg did not start');
  try {
    await sleep(3000); // connected, probed, decoding steadily
    const c0 = procCpuMs(pid);
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const c1 = procCpuMs(pid);
    return (c1 - c0) / ((performance.now() - t0) / 1000);
  } finally {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  }
}

interface RampStep {
  cameras: number;
  fps_min: number;
  fps_mean: number;
  missed_pct_max: number;
  restarts: number;
  /** Node + all ffmpegs, % of one core, per camera. */
  cpu_pct_per_camera: number;
  /** The RTSP server's own CPU (not the agent's), % of one core. */
  server_cpu_pct: number;
}

async function rampStep(server: RtspTestServer, url: string, n: number, seconds: number, idleMs: number): Promise<RampStep> {
  const cams = Array.from({ length: n }, (_, i) => startCamera(url, `bench-${i}`));
  try {
    await waitFirstFrames(cams);
    await waitSteady(cams);
    const pids = cams.map((c) => c.sup.pid);
    const cpu0 = nodeCpuMs() + pids.reduce<number>((s, p) => s + (p ? procCpuMs(p) : 0), 0);
    const srv0 = procCpuMs(server.pid!);
    const t0 = performance.now();
    await sleep(seconds * 1000);
    const t1 = performance.now();
    const cpu1 = nodeCpuMs() + cams.reduce((s, c, i) => s + (c.sup.pid && c.sup.pid === pids[i] ? procCpuMs(c.sup.pid) : 0), 0);
    const srv1 = procCpuMs(server.pid!);
    const wall = (t1 - t0) / 1000;
    const fps = cams.map((c) => {
      const inWindow = c.arrivals.filter((t) => t >= t0 && t <= t1);
      if (inWindow.length < 2) return 0;
      return (inWindow.length - 1) / ((inWindow.at(-1)! - inWindow[0]!) / 1000);
    });
    const fpsMin = Math.min(...fps);
    return {
      cameras: n,
      fps_min: round(fpsMin),
      fps_mean: round(fps.reduce((a, b) => a + b, 0) / n),
      missed_pct_max: round(Math.max(0, 1 - fpsMin / DETECT.fps) * 100),
      restarts: cams.reduce((s, c) => s + c.sup.metrics.restarts, 0),
      cpu_pct_per_camera: round(((cpu1 - cpu0) / wall - idleMs) / 10 / n, 1),
      server_cpu_pct: round((srv1 - srv0) / wall / 10, 1),
    };
  } finally {
    await stopCameras(cams);
  }
}

export async function benchCamera(opts: CameraBenchOptions = {}): Promise<Record<string, unknown>[]> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const seconds = opts.seconds ?? 20;
  const clip = prepareClip(log);
  const server = await RtspTestServer.start({ mounts: { '/cam': { kind: 'file', path: clip } } });
  const url = server.url('/cam');
  const stream = `${STREAM.width}x${STREAM.height} ${STREAM.fps} fps H.264 main ~3 Mbit/s (ffmpeg lavfi testsrc2, generated) over RTSP/TCP from GStreamer on loopback`;
  const rows: Record<string, unknown>[] = [];
  try {
    const idleMs = await idleNodeCpu();
    // A/B/A/B: each side twice, so a burst of load elsewhere hits both alike.
    const agent: { node: number; ffmpeg: number; fps: number }[] = [];
    const bare: number[] = [];
    for (let round_ = 0; round_ < 2; round_++) {
      log(`camera: overhead round ${round_ + 1}/2 (${seconds} s agent, ${seconds} s bare ffmpeg)`);
      agent.push(await measureAgent(url, seconds));
      bare.push(await measureBare(url, seconds));
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const agentNodeRaw = mean(agent.map((a) => a.node));
    const agentNode = Math.max(0, agentNodeRaw - idleMs);
    const agentFfmpeg = mean(agent.map((a) => a.ffmpeg));
    const bareMs = mean(bare);
    rows.push({
      scenario: 'camera',
      kind: 'overhead',
      stream,
      detect: `${DETECT.width}x${DETECT.height} rgb24 @ ${DETECT.fps} fps`,
      seconds: seconds * 2,
      agent_fps: round(mean(agent.map((a) => a.fps))),
      // ms of CPU per second = ‰ of a core; /10 gives % of one core.
      agent_cpu_pct: round((agentNode + agentFfmpeg) / 10, 1),
      agent_node_cpu_pct: round(agentNode / 10, 2),
      node_idle_cpu_pct_subtracted: round(idleMs / 10, 2),
      agent_ffmpeg_cpu_pct: round(agentFfmpeg / 10, 1),
      bare_ffmpeg_cpu_pct: round(bareMs / 10, 1),
      ratio: round((agentNode + agentFfmpeg) / bareMs),
      goal_ratio: 1.1,
    });

    if (!opts.skipRamp) {
      const steps: RampStep[] = [];
      let max = 0;
      let limited = false;
      for (const n of opts.ramp ?? [1, 2, 4, 8, 12, 16, 20, 24, 28, 32]) {
        log(`camera: capacity with ${n} camera(s)`);
        const step = await rampStep(server, url, n, opts.rampSeconds ?? 20, idleMs);
        steps.push(step);
        log(`camera:   ${JSON.stringify(step)}`);
        if (step.missed_pct_max >= MISSED_LIMIT * 100 || step.restarts > 0) {
          limited = true;
          break;
        }
        max = n;
      }
      rows.push({
        scenario: 'camera',
        kind: 'capacity',
        stream,
        detect: `${DETECT.width}x${DETECT.height} rgb24 @ ${DETECT.fps} fps, ingest only (no inference)`,
        cores: os.cpus().length,
        max_cameras_under_1pct_missed: max,
        // false: even the largest count tried kept up, so the real limit is higher.
        limit_reached: limited,
        steps,
      });
    }
  } finally {
    await server.stop();
  }
  return rows;
}
