/**
 * `npx tsx scripts/models/quantize-centernet.ts`: writes models/centernet-int8.onnx from
 * models/centernet.onnx (static QDQ, per-channel weights, calibrated on 32 vtest.avi frames) and prints
 * a JSON report: sizes, fp32 vs int8 latency at 1 and 2 threads, and int8's person boxes vs fp32's on
 * 40 other frames. The only CenterNet-specific part is `centernetHeatmapSpec` (input, and how the `heatmap` and `wh`
 * outputs become person boxes); a model with other outputs needs only another spec.
 *
 *   --input WxH                  the model input measured (default 512x384, how the agent feeds a 4:3 frame)
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
import { CENTERNET_STRIDE, heatmapPeaks } from '../../agent/vision/postprocess.js';
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

/**
 * The size-free CenterNet (outputs `heatmap` [1,h/4,w/4,1] after sigmoid and `wh` [1,h/4,w/4,4], left/top/right/
 * bottom distances in input pixels), decoded by the agent's own heatmapPeaks.
 */
export function centernetHeatmapSpec(modelPath: string, outPath: string, input = { width: 512, height: 512 }, minScore = 0.4): DetectorSpec {
  return {
    modelPath,
    outPath,
    inputName: 'images',
    inputWidth: input.width,
    inputHeight: input.height,
    layout: 'nhwc',
    personBoxes: (outputs: Outputs): Box[] =>
      heatmapPeaks(
        { heatmap: floatOutput(outputs, 'heatmap', 'centernet'), wh: floatOutput(outputs, 'wh', 'centernet'), gridH: input.height / CENTERNET_STRIDE, gridW: input.width / CENTERNET_STRIDE },
        minScore,
      ),
  };
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]) {
  const flags = new Set(['--reduce-range', '--keep-means']);
  const values = new Set(['--input', '--model', '--out', '--ops', '--exclude', '--exclude-from', '--percentile', '--runs', '--rounds', '--calib', '--check']);
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
  const size = /^(\d+)x(\d+)$/.exec(got.get('--input') ?? '512x384');
  const input = { width: Number(size?.[1]), height: Number(size?.[2]) };
  if (!size || input.width % 32 !== 0 || input.height % 32 !== 0 || input.width === 0 || input.height === 0) {
    throw new UsageError(`--input must be WIDTHxHEIGHT in multiples of 32, got ${got.get('--input')}`);
  }
  return {
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
  const spec = centernetHeatmapSpec(args.model, args.out, args.input);
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
