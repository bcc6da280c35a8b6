/**
 * Detector cost per frame on real footage (OpenCV's vtest.avi, 768x576): the whole
 * PersonDetector.detect() call (letterbox + onnxruntime + decoding) at 1 and 2 intra-op threads,
 * plus the letterbox step alone so inference's share is visible. Reports numbers, asserts nothing.
 */
import { ModelRegistry, PersonDetector } from '../../agent/vision/index.js';
import { letterbox, letterboxInto } from '../../agent/vision/preprocess.js';
import type { Frame } from '../../agent/shared/types.js';
import { readVideoFrames, VTEST_AVI } from '../../test/support/video-frames.js';

const WARMUP = 3;

export interface DetectorBenchResult {
  scenario: 'detector';
  model: string;
  input: number[];
  frame: number[];
  threads: number;
  frames: number;
  ms_p50: number;
  ms_p95: number;
  ms_mean: number;
  /** Process CPU time per frame (all threads); less sensitive than wall time to a busy machine. */
  cpu_ms_mean: number;
  preprocess_ms_p50: number;
  persons_mean: number;
}

export async function benchDetector(opts: { frames: number; threads?: readonly number[] }): Promise<DetectorBenchResult[]> {
  if (!Number.isInteger(opts.frames) || opts.frames < 1) throw new RangeError(`frames must be a positive integer, got ${opts.frames}`);
  // Every 3rd frame of the clip, so the scene (and the number of people) varies across the sample.
  const indices = Array.from({ length: opts.frames }, (_, i) => (i * 3) % 795).sort((a, b) => a - b);
  const video = await readVideoFrames(VTEST_AVI, [...new Set(indices)]);
  const frames: Frame[] = video.frames.map((pixels, i) => ({
    cameraId: 'bench',
    seq: i,
    ts: i * 200,
    wallTs: 0,
    width: video.width,
    height: video.height,
    format: 'rgb24',
    pixels,
  }));
  const registry = ModelRegistry.open();
  const results: DetectorBenchResult[] = [];
  for (const threads of opts.threads ?? [1, 2]) {
    const det = await PersonDetector.create({ registry, threads });
    try {
      const [, h, w] = det.model.input.shape as [number, number, number, number];
      for (let i = 0; i < WARMUP; i++) await det.detect(frames[i % frames.length] as Frame);
      const ms: number[] = [];
      let persons = 0;
      const cpu0 = process.cpuUsage();
      for (const f of frames) {
        const t0 = performance.now();
        const d = await det.detect(f);
        ms.push(performance.now() - t0);
        persons += d.items.length;
      }
      const cpu = process.cpuUsage(cpu0);
      const lb = letterbox(video.width, video.height, w, h);
      const buf = new Float32Array(w * h * 3);
      const pre = frames.map((f) => {
        const t0 = performance.now();
        letterboxInto(f, lb, buf);
        return performance.now() - t0;
      });
      results.push({
        scenario: 'detector',
        model: det.model.name,
        input: [w, h],
        frame: [video.width, video.height],
        threads,
        frames: frames.length,
        ms_p50: round(quantile(ms, 0.5)),
        ms_p95: round(quantile(ms, 0.95)),
        ms_mean: round(ms.reduce((a, b) => a + b, 0) / ms.length),
        cpu_ms_mean: round((cpu.user + cpu.system) / 1000 / frames.length),
        preprocess_ms_p50: round(quantile(pre, 0.5)),
        persons_mean: round(persons / frames.length),
      });
    } finally {
      await det.close();
    }
  }
  return results;
}

/** Nearest-rank quantile. */
export function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
