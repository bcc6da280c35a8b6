/**
 * CPU feature detection for the int8/fp32 choice, on /proc/cpuinfo texts of the CPUs that matter:
 * this development machine (AMD EPYC, Zen 4), an Intel N100 mini-PC (AVX-VNNI, no AVX-512), a
 * Haswell desktop (AVX2 only), an old Atom (no AVX2), a Raspberry Pi (aarch64, no flags line). Only
 * the first is copied verbatim; the others are representative excerpts (the flags that decide are real).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCpuFeatures, preferInt8, readCpuFeatures } from '../../scripts/convert/quantize/cpu-features.js';

// The real flags line of the machine this was developed on (AMD EPYC, 2 vCPUs), verbatim.
const EPYC_ZEN4 = `processor	: 0
vendor_id	: AuthenticAMD
model name	: AMD EPYC
flags		: fpu vme de pse tsc msr pae mce cx8 apic sep pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx mmxext lm constant_tsc rep_good nopl xtopology tsc_reliable nonstop_tsc cpuid extd_apicid tsc_known_freq pni pclmulqdq ssse3 fma cx16 sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm cr8_legacy misalignsse 3dnowprefetch topoext pti        vmmcall bmi1 avx2 bmi2 erms avx512f avx512dq adx avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 avx_vnni avx512_bf16 clzero xsaveerptr arat avx512vbmi avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq movdiri movdir64b fsrm avx512_vp2intersect
bugs		: sysret_ss_attrs
`;
const N100 = `processor	: 0
model name	: Intel(R) N100
flags		: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx pdpe1gb rdtscp lm constant_tsc art arch_perfmon pebs bts rep_good nopl xtopology nonstop_tsc cpuid aperfmperf tsc_known_freq pni pclmulqdq dtes64 monitor ds_cpl vmx est tm2 ssse3 sdbg fma cx16 xtpr pdcm sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand lahf_lm abm 3dnowprefetch cpuid_fault epb cat_l2 cdp_l2 ssbd ibrs ibpb stibp ibrs_enhanced tpr_shadow flexpriority ept vpid ept_ad fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid rdt_a rdseed adx smap clflushopt clwb intel_pt sha_ni xsaveopt xsavec xgetbv1 xsaves split_lock_detect avx_vnni dtherm ida arat pln pts hwp hwp_notify hwp_act_window hwp_epp hwp_pkg_req vnmi umip pku ospke waitpkg gfni vaes vpclmulqdq rdpid movdiri movdir64b fsrm md_clear serialize arch_lbr ibt flush_l1d arch_capabilities
`;
const HASWELL = `model name	: Intel(R) Core(TM) i5-4590 CPU @ 3.30GHz
flags		: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov sse sse2 ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand lahf_lm abm bmi1 avx2 smep bmi2 erms invpcid
`;
const ATOM = `model name	: Intel(R) Atom(TM) CPU D2550   @ 1.86GHz
flags		: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat clflush dts acpi mmx fxsr sse sse2 ss ht tm pbe syscall nx lm constant_tsc arch_perfmon pebs bts nopl pni dtes64 monitor ds_cpl est tm2 ssse3 cx16 xtpr pdcm movbe lahf_lm
`;
const SAPPHIRE_RAPIDS = `flags		: fpu avx avx2 avx512f avx512bw avx512_vnni avx_vnni amx_bf16 amx_tile amx_int8
`;
const RASPBERRY_PI = `processor	: 0
BogoMIPS	: 108.00
Features	: fp asimd evtstrm crc32 cpuid
CPU implementer	: 0x41
`;

describe('parseCpuFeatures and preferInt8', () => {
  it.each([
    ['this machine (EPYC Zen 4)', EPYC_ZEN4, { avx2: true, avx512f: true, avx512Vnni: true, avxVnni: true, amxInt8: false, x86: true }, true, /avx512_vnni/],
    ['Intel N100', N100, { avx2: true, avx512f: false, avx512Vnni: false, avxVnni: true, amxInt8: false, x86: true }, true, /avx_vnni/],
    ['Haswell', HASWELL, { avx2: true, avx512f: false, avx512Vnni: false, avxVnni: false, amxInt8: false, x86: true }, false, /avx2 without VNNI/],
    ['Atom', ATOM, { avx2: false, avx512f: false, avx512Vnni: false, avxVnni: false, amxInt8: false, x86: true }, false, /no avx2/],
    ['Sapphire Rapids', SAPPHIRE_RAPIDS, { avx2: true, avx512f: true, avx512Vnni: true, avxVnni: true, amxInt8: true, x86: true }, true, /avx512_vnni/],
    ['Raspberry Pi (aarch64)', RASPBERRY_PI, { avx2: false, avx512f: false, avx512Vnni: false, avxVnni: false, amxInt8: false, x86: false }, false, /not an x86 CPU/],
    ['empty text', '', { avx2: false, avx512f: false, avx512Vnni: false, avxVnni: false, amxInt8: false, x86: false }, false, /no x86 flags line/],
  ])('%s', (_name, text, features, int8, reason) => {
    const got = parseCpuFeatures(text);
    expect(got).toEqual(features);
    const choice = preferInt8(got);
    expect(choice.int8).toBe(int8);
    expect(choice.reason).toMatch(reason);
    expect(choice.reason).toMatch(int8 ? /int8$/ : /fp32$/);
  });

  it('does not take a flag for a longer one that contains it (avx512_vnni is not avx_vnni)', () => {
    expect(parseCpuFeatures('flags\t\t: avx2 avx512_vnni\n')).toMatchObject({ avx512Vnni: true, avxVnni: false });
    expect(parseCpuFeatures('flags\t\t: avx2 avx_vnni_int8\n')).toMatchObject({ avxVnni: false });
  });
});

describe('readCpuFeatures', () => {
  it('reads a cpuinfo file, and names the file it could not read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qmon-cpu-'));
    try {
      const path = join(dir, 'cpuinfo');
      writeFileSync(path, N100);
      expect(readCpuFeatures(path)).toEqual(parseCpuFeatures(N100));
      expect(() => readCpuFeatures(join(dir, 'missing'))).toThrow(/cannot read CPU features from .*missing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
