/**
 * What the CPU can do for int8 inference, read from /proc/cpuinfo, and whether the int8 model is the
 * better choice there. A QDQ int8 model only pays where the CPU multiplies u8×s8 and sums into int32
 * in one instruction (VNNI: AVX512-VNNI on servers and Ice Lake+, AVX-VNNI on Alder Lake+ and the
 * N100-class mini-PCs). Without VNNI, onnxruntime's AVX2 kernel takes 3 instructions per step and its
 * int16 intermediate can saturate (see scripts/convert/quantize/README.md), so fp32 stays the choice.
 */
import { readFileSync } from 'node:fs';

export interface CpuFeatures {
  readonly avx2: boolean;
  readonly avx512f: boolean;
  readonly avx512Vnni: boolean;
  readonly avxVnni: boolean;
  /** Intel AMX int8 tiles (Sapphire Rapids+); onnxruntime's MLAS uses them for int8 GEMM when present. */
  readonly amxInt8: boolean;
  /** False when the text had no x86 `flags` line (another architecture, or not a cpuinfo file). */
  readonly x86: boolean;
}

export interface Int8Choice {
  readonly int8: boolean;
  readonly reason: string;
}

/**
 * Features from the text of /proc/cpuinfo. Only the first processor's `flags` line is read: on the
 * hybrid CPUs that matter here (P- and E-cores) Linux reports the same ISA flags for every core.
 */
export function parseCpuFeatures(cpuinfo: string): CpuFeatures {
  const line = /^flags\s*:(.*)$/m.exec(cpuinfo);
  const flags = new Set((line?.[1] ?? '').trim().split(/\s+/).filter(Boolean));
  return {
    avx2: flags.has('avx2'),
    avx512f: flags.has('avx512f'),
    avx512Vnni: flags.has('avx512_vnni'),
    avxVnni: flags.has('avx_vnni'),
    amxInt8: flags.has('amx_int8'),
    x86: line !== null,
  };
}

export function readCpuFeatures(path = '/proc/cpuinfo'): CpuFeatures {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read CPU features from ${path}: ${(e as Error).message}`);
  }
  return parseCpuFeatures(text);
}

/** int8 only with VNNI (AVX512-VNNI or AVX-VNNI); the reason names the deciding feature. */
export function preferInt8(features: CpuFeatures): Int8Choice {
  if (!features.x86) return { int8: false, reason: 'no x86 flags line in /proc/cpuinfo: not an x86 CPU this choice knows; fp32' };
  if (features.avx512Vnni) return { int8: true, reason: 'avx512_vnni: int8 dot products in one instruction; int8' };
  if (features.avxVnni) return { int8: true, reason: 'avx_vnni: int8 dot products in one instruction (256-bit); int8' };
  const base = features.avx2 ? 'avx2 without VNNI' : 'no avx2';
  return { int8: false, reason: `${base}: int8 would not beat fp32 (and u8s8 can saturate without VNNI); fp32` };
}
