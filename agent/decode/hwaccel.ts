/**
 * Hardware-assisted decode, as the camera's `hwaccel:` setting names it. Decode is most of the
 * agent's per-camera CPU on a 1080p main stream, so an Intel mini-PC's VAAPI/QSV block matters; it
 * is also the first thing to break (missing /dev/dri, a driver that does not know the profile), so
 * every mode but `auto` is allowed to fail and the supervisor falls back to software.
 */
export type HwAccel = 'auto' | 'none' | 'vaapi' | 'qsv';

export const HWACCEL_MODES: readonly HwAccel[] = ['auto', 'none', 'vaapi', 'qsv'];

/** The first DRM render node: the integrated GPU on the mini-PCs this runs on. */
export const DEFAULT_HW_DEVICE = '/dev/dri/renderD128';

/**
 * ffmpeg input options for `mode` (they go before `-i`). Decoded pictures are copied back to
 * system memory (no `-hwaccel_output_format`), so the software `fps`/`scale` filters and the raw
 * pipe work unchanged; on a 5 fps detect stream the copy is cheap next to the decode it saves.
 *
 * - `auto`: ffmpeg tries the methods it was built with and quietly decodes in software if none
 *   works, so it never needs our fallback.
 * - `vaapi`: the generic hwaccel on `device`.
 * - `qsv`: Intel Quick Sync through its own H.264 decoder (`h264_qsv`); ffmpeg's native decoder
 *   has no QSV path. A camera sending H.265 then fails to decode, which the fallback covers.
 */
export function hwaccelArgs(mode: HwAccel, device: string = DEFAULT_HW_DEVICE): string[] {
  if (!HWACCEL_MODES.includes(mode)) {
    throw new RangeError(`ffmpeg input: hwaccel must be one of ${HWACCEL_MODES.join(', ')} (got ${String(mode)})`);
  }
  if ((mode === 'vaapi' || mode === 'qsv') && !/^\/dev\/\S+$/.test(device)) {
    throw new RangeError(`ffmpeg input: hwaccel device must be a /dev path such as ${DEFAULT_HW_DEVICE} (got ${device})`);
  }
  switch (mode) {
    case 'none':
      return [];
    case 'auto':
      return ['-hwaccel', 'auto'];
    case 'vaapi':
      return ['-hwaccel', 'vaapi', '-hwaccel_device', device];
    case 'qsv':
      return ['-hwaccel', 'qsv', '-qsv_device', device, '-c:v', 'h264_qsv'];
  }
}

/** Modes whose failure ffmpeg does not recover from by itself (so the supervisor must). */
export function hwaccelCanFail(mode: HwAccel): boolean {
  return mode === 'vaapi' || mode === 'qsv';
}
