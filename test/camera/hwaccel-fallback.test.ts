import { describe, expect, it } from 'vitest';
import { shouldFallBack } from '../../agent/camera/index.js';

const run = (frames: number, errorKind: Parameters<typeof shouldFallBack>[1]['errorKind'], stalled = false) => ({ frames, errorKind, stalled });

describe('shouldFallBack', () => {
  it('falls back from vaapi/qsv when ffmpeg says the device failed, even after frames', () => {
    expect(shouldFallBack('vaapi', run(0, 'hwaccel_failed'))).toEqual({ from: 'vaapi', to: 'none', reason: 'hwaccel_failed' });
    expect(shouldFallBack('qsv', run(12, 'hwaccel_failed'))?.reason).toBe('hwaccel_failed');
  });

  it('falls back when a hardware run produced no picture for a decoder-ish reason', () => {
    expect(shouldFallBack('qsv', run(0, 'codec_unsupported'))?.reason).toBe('codec_unsupported'); // H.265 on h264_qsv
    expect(shouldFallBack('vaapi', run(0, 'bad_stream'))?.reason).toBe('bad_stream');
    expect(shouldFallBack('vaapi', run(0, null, true))?.reason).toBe('stalled');
    expect(shouldFallBack('vaapi', run(0, null))?.reason).toBe('no_frames');
  });

  it('keeps the hardware when the camera, not the decoder, is the problem', () => {
    for (const kind of ['auth_failed', 'not_found', 'refused', 'timeout', 'spawn_failed'] as const) {
      expect(shouldFallBack('vaapi', run(0, kind))).toBeNull();
    }
    expect(shouldFallBack('vaapi', run(40, 'bad_stream'))).toBeNull(); // it decoded fine for a while
  });

  it('never for none or auto (auto falls back inside ffmpeg)', () => {
    expect(shouldFallBack('none', run(0, 'hwaccel_failed'))).toBeNull();
    expect(shouldFallBack('auto', run(0, 'bad_stream'))).toBeNull();
  });
});
