/**
 * The agent's CPU per camera against the sum of its parts, measured in one run (the machines are shared and noisy,
 * so a ratio taken in one process is what means something): vtest.avi played at real time as a camera through the
 * real supervisor → scheduler → person detector → tracker, against bare ffmpeg decoding the same clip to the same
 * size and rate, plus bare onnxruntime inference on the same number of frames.
 */
import { spawn } from 'node:child_process';
import { CameraSupervisor } from '../../agent/camera/index.js';
import { Tracker } from '../../agent/track/index.js';
import { ModelRegistry, PersonDetector, VisionScheduler, defaultModelsDir } from '../../agent/vision/index.js';
import { silentLogger } from '../../agent/ops/index.js';
import { systemClock } from '../../agent/shared/clock.js';
import type { Frame } from '../../agent/shared/types.js';
import { nodeCpuMs, procCpuMs } from './cpu.js';
import { VTEST_AVI, readVideoFrames, requireSampleVideo } from '../../test/support/video-frames.js';

const W = 768;
const H = 576;
const FPS = 5;
const round = (v: number, d = 3): number => Math.round(v * 10 ** d) / 10 ** d;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function benchOverhead(opts: { seconds?: number } = {}): Promise<Record<string, unknown>[]> {
  const seconds = opts.seconds ?? 20;
  requireSampleVideo(VTEST_AVI);
  const registry = ModelRegistry.open(defaultModelsDir());
  const detector = await PersonDetector.create({ registry });

  // 1. The agent's path.
  const sup = new CameraSupervisor({
    cameraId: 'bench',
    input: { kind: 'file', path: VTEST_AVI, loop: true },
    output: { width: W, height: H, fps: FPS, format: 'rgb24' },
    logger: silentLogger(),
  });
  const vision = new VisionScheduler({ detector, clock: systemClock, motion: false });
  const tracker = new Tracker({ fps: FPS, high_score: detector.minScore });
  let processed = 0;
  sup.start();
  const loop = (async () => {
    for await (const frame of sup.frames()) {
      const d = await vision.submit(frame);
      if (d) {
        tracker.update(d);
        processed++;
      }
    }
  })();
  await sleep(3_000); // ffmpeg start-up and model warm-up are not what is measured
  const n0 = nodeCpuMs();
  const f0 = sup.pid ? procCpuMs(sup.pid) : 0;
  const p0 = processed;
  await sleep(seconds * 1000);
  const agentNode = nodeCpuMs() - n0;
  const agentFfmpeg = (sup.pid ? procCpuMs(sup.pid) : 0) - f0;
  const frames = processed - p0;
  await sup.stop();
  await loop;
  await vision.close();

  // 2. Bare ffmpeg: the same clip, real time, same filter, to nowhere.
  const bareFfmpeg = await bareDecode(seconds);

  // 3. Bare inference: the same number of frames, straight into the session.
  const raw = await readVideoFrames(VTEST_AVI, Array.from({ length: Math.min(frames, 200) }, (_, i) => i * 2));
  const det = await PersonDetector.create({ registry });
  const i0 = nodeCpuMs();
  for (let i = 0; i < frames; i++) {
    const pixels = raw.frames[i % raw.frames.length]!;
    const frame: Frame = { cameraId: 'bare', seq: i, ts: i * 200, wallTs: i * 200, width: raw.width, height: raw.height, format: 'rgb24', pixels };
    await det.detect(frame);
  }
  const bareInference = nodeCpuMs() - i0;
  await det.close();
  await detector.close();

  const agent = agentNode + agentFfmpeg;
  const parts = bareFfmpeg + bareInference;
  return [
    {
      scenario: 'agent-overhead',
      seconds,
      detect_fps: FPS,
      frames_processed: frames,
      agent_cpu_ms: Math.round(agent),
      agent_node_cpu_ms: Math.round(agentNode),
      agent_ffmpeg_cpu_ms: Math.round(agentFfmpeg),
      bare_ffmpeg_cpu_ms: Math.round(bareFfmpeg),
      bare_inference_cpu_ms: Math.round(bareInference),
      ratio: round(agent / parts),
      goal: 1.15,
      agent_core_share_per_camera: round(agent / (seconds * 1000)),
    },
  ];
}

function bareDecode(seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', VTEST_AVI, '-an', '-vf', `fps=${FPS},scale=${W}:${H}:flags=bilinear,format=rgb24`, '-f', 'rawvideo', '-y', '/dev/null'];
    const child = spawn('ffmpeg', args, { stdio: 'ignore' });
    child.once('error', reject);
    let cpu = 0;
    setTimeout(() => {
      const pid = child.pid;
      if (pid) cpu = procCpuMs(pid) - startCpu;
      child.kill('SIGKILL');
    }, (seconds + 3) * 1000);
    let startCpu = 0;
    setTimeout(() => {
      if (child.pid) startCpu = procCpuMs(child.pid);
    }, 3_000);
    child.once('exit', () => resolve(cpu));
  });
}
