/**
 * `npx tsx scripts/models/quantize-centernet.ts`: writes models/centernet-int8.onnx from
 * models/centernet.onnx (static QDQ, per-channel weights, calibrated on 32 vtest.avi frames) and prints
 * a JSON report: sizes, fp32 vs int8 latency at 1 and 2 threads, and int8's person boxes vs fp32's on
 * 40 other frames. The only CenterNet-specific part is `centernetSpec` (input, and how the
 * `detections` output becomes person boxes); a model with other outputs needs only another spec.
 *
 *   --outputs detections|heatmap which CenterNet: today's `detections` rows (default) or the size-free heatmap + wh
 *   --input WxH                  the size-free model's input (default 512x512; the agent letterboxes 4:3 frames to 512x384)
 *   --model PATH --out PATH      fp32 in, int8 out (defaults: models/centernet.onnx, models/centernet-int8.onnx)
 *   --ops Conv,Relu,...          op types whose activations get Q/DQ (default: CENTERNET_QDQ's)
 *   --exclude NAME,NAME          nodes left in fp32
 *   --exclude-from NAME,NAME     these nodes and everything downstream of them left in fp32
 *                                (default: CENTERNET_QDQ's, the two head output convs; `none` for none)
 *   --percentile P               percentile calibration instead of min/max (e.g. 99.99)
 *   --reduce-range               7-bit weights (CPUs without VNNI)
 *   --keep-means                 do not quantise spatial ReduceMean as GlobalAveragePool
 *   --runs N --rounds N          timed runs per block (default 20) and interleaved rounds (default 3)
 *   --calib N --check N          calibration frames (default 32) and check frames (default 40)
 */
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { floatOutput } from '../../agent/vision/onnx-session.js';
import type { CalibrationMethod, QdqOptions } from '../convert/quantize/index.js';
import { quantizeDetector, spreadFrames, type DetectorSpec, type Outputs } from './quantize-detector.js';
import type { Box } from './quantize-quality.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** vtest.avi has 795 frames. */

/**
 * Measured defaults (README.md in scripts/convert/quantize): the hard-swish, residual, concat and
 * squeeze-excite pooling ops quantised too (Conv alone left a Q/DQ pair around every layer and no
 * speed-up), and the two head output convs in fp32 with everything after them: their quantised
 * logits tie neighbouring heatmap cells, and the peak picking then reports one person twice
 * (precision 0.91 instead of 0.99).
 */
export const CENTERNET_QDQ: QdqOptions = {
  opTypes: ['Conv', 'Relu', 'Clip', 'Add', 'Mul', 'Concat', 'GlobalAveragePool'],
  excludeFrom: ['tower_0/CenternetHead/centernet_cls_output/BiasAdd', 'tower_0/CenternetHead/centernet_wh_output/BiasAdd'],
};
const VTEST_LAST = 794;

/** Today's CenterNet: `images` [1,512,512,3], `detections` [1,100,6] rows x1,y1,x2,y2,score,class; person = class 0. */
export function centernetSpec(modelPath: string, outPath: string, minScore = 0.4): DetectorSpec {
  return {
    modelPath,
    outPath,
    inputName: 'images',
    inputWidth: 512,
    inputHeight: 512,
    layout: 'nhwc',
    personBoxes: (outputs: Outputs): Box[] => {
      const d = floatOutput(outputs, 'detections', 'centernet');
      const boxes: Box[] = [];
      for (let i = 0; i + 5 < d.length; i += 6) {
        if (Math.round(d[i + 5]!) === 0 && d[i + 4]! >= minScore) boxes.push({ x1: d[i]!, y1: d[i + 1]!, x2: d[i + 2]!, y2: d[i + 3]!, score: d[i + 4]! });
      }
      return boxes;
    },
  };
}

/**
 * The size-free CenterNet (outputs `heatmap` [1,h/4,w/4,1] after sigmoid and `wh` [1,h/4,w/4,4], left/top/right/
 * bottom distances in input pixels): peaks that are ≥ their 8 neighbours and ≥ minScore, best 100, box = cell·4 ± wh.
 * Restates agent/vision/postprocess.ts's heatmapPeaks (on the converter branch); use that once both are merged.
 */
export function centernetHeatmapSpec(modelPath: string, outPath: string, input = { width: 512, height: 512 }, minScore = 0.4): DetectorSpec {
  const stride = 4;
  return {
    modelPath,
    outPath,
    inputName: 'images',
    inputWidth: input.width,
    inputHeight: input.height,
    layout: 'nhwc',
    personBoxes: (outputs: Outputs): Box[] => {
      const h = floatOutput(outputs, 'heatmap', 'centernet');
      const wh = floatOutput(outputs, 'wh', 'centernet');
      const [gh, gw] = [input.height / stride, input.width / stride];
      const higherNeighbour = (x: number, y: number, v: number) => {
        for (let yy = Math.max(0, y - 1); yy <= Math.min(gh - 1, y + 1); yy++) {
          for (let xx = Math.max(0, x - 1); xx <= Math.min(gw - 1, x + 1); xx++) if (h[yy * gw + xx]! > v) return true;
        }
        return false;
      };
      const peaks: { cell: number; score: number }[] = [];
      for (let y = 0; y < gh; y++) {
        for (let x = 0; x < gw; x++) {
          const v = h[y * gw + x]!;
          if (v >= minScore && !higherNeighbour(x, y, v)) peaks.push({ cell: y * gw + x, score: v });
        }
      }
      peaks.sort((a, b) => b.score - a.score || a.cell - b.cell);
      return peaks.slice(0, 100).map(({ cell, score }) => {
        const [cx, cy, k] = [(cell % gw) * stride, Math.floor(cell / gw) * stride, cell * 4];
        return { x1: cx - wh[k]!, y1: cy - wh[k + 1]!, x2: cx + wh[k + 2]!, y2: cy + wh[k + 3]!, score };
      });
    },
  };
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]) {
  const flags = new Set(['--reduce-range', '--keep-means']);
  const values = new Set(['--input', '--outputs', '--model', '--out', '--ops', '--exclude', '--exclude-from', '--percentile', '--runs', '--rounds', '--calib', '--check']);
  const got = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (flags.has(a)) got.set(a, 'true');
    else if (values.has(a) && argv[i + 1] !== undefined) got.set(a, argv[++i]!);
    else throw new UsageError(`unknown or incomplete argument "${a}"; see the comment at the top of quantize-centernet.ts`);
  }
  const int = (name: string, fallback: number) => {
    const v = got.has(name) ? Number(got.get(name)) : fallback;
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`${name} must be a positive integer, got ${got.get(name)}`);
    return v;
  };
  const list = (name: string) => got.get(name)?.split(',').filter(Boolean);
  const percentile = got.has('--percentile') ? Number(got.get('--percentile')) : undefined;
  const method: CalibrationMethod = percentile === undefined ? { kind: 'minmax' } : { kind: 'percentile', percentile };
  const qdq: QdqOptions = {
    opTypes: list('--ops') ?? CENTERNET_QDQ.opTypes,
    excludeNodes: list('--exclude') ?? [],
    excludeFrom: got.get('--exclude-from') === 'none' ? [] : (list('--exclude-from') ?? CENTERNET_QDQ.excludeFrom),
    reduceRange: got.has('--reduce-range'),
  };
  const outputs = got.get('--outputs') ?? 'detections';
  if (outputs !== 'detections' && outputs !== 'heatmap') throw new UsageError(`--outputs must be detections or heatmap, got ${outputs}`);
  const size = /^(\d+)x(\d+)$/.exec(got.get('--input') ?? '512x512');
  const input = { width: Number(size?.[1]), height: Number(size?.[2]) };
  if (!size || input.width % 32 !== 0 || input.height % 32 !== 0 || input.width === 0 || input.height === 0) {
    throw new UsageError(`--input must be WIDTHxHEIGHT in multiples of 32, got ${got.get('--input')}`);
  }
  if (outputs === 'detections' && (input.width !== 512 || input.height !== 512)) throw new UsageError('the detections model takes 512x512 only');
  return {
    outputs,
    input,
    model: got.get('--model') ?? join(ROOT, 'models', 'centernet.onnx'),
    out: got.get('--out') ?? join(ROOT, 'models', 'centernet-int8.onnx'),
    method,
    qdq,
    runs: int('--runs', 20),
    rounds: int('--rounds', 3),
    globalPoolMeans: !got.has('--keep-means'),
    calib: int('--calib', 32),
    check: int('--check', 40),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Both sets spread over the whole video at different offsets; a check frame that is also a calibration frame is dropped.
  const calibrationFrames = spreadFrames(args.calib, 3, VTEST_LAST - 20);
  const checkFrames = spreadFrames(args.check, 14, VTEST_LAST).filter((f) => !calibrationFrames.includes(f));
  const spec = args.outputs === 'heatmap' ? centernetHeatmapSpec(args.model, args.out, args.input) : centernetSpec(args.model, args.out);
  const report = await quantizeDetector(spec, {
    calibrationFrames,
    checkFrames,
    method: args.method,
    qdq: args.qdq,
    globalPoolMeans: args.globalPoolMeans,
    runs: args.runs,
    rounds: args.rounds,
    log: (l) => console.error(`quantize: ${l}`),
  });
  console.log(JSON.stringify(report, null, 2));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e: unknown) => {
    console.error(e instanceof UsageError ? `usage: ${e.message}` : `quantize-centernet: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
