/** Rule coordinates are written in the camera's reference `size` and arrive in detect pixels. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../agent/config/index.js';
import { BASE, edit, tempDir, writeConfig } from './helpers.js';

const dir = tempDir();

const camera = (size: string, detect: string, rules: string): string =>
  edit(
    edit(BASE, '    detect: { fps: 5, width: 640, height: 480 }', `    detect: ${detect}\n    size: ${size}`),
    '      lines:\n        - id: l1\n          points: [[320, 100], [320, 470]]\n          direction: in\n',
    rules,
  );

describe('scaling from size to detect size', () => {
  it('scales lines, zones and calibration image points per axis; floor metres stay', async () => {
    const rules = `      lines:
        - id: l1
          points: [[640, 200], [1279, 719]]
      zones:
        - id: z1
          polygon: [[0, 400], [300, 400], [300, 720], [0, 720]]
          intrusion: true
      distancing:
        calibration:
          image: [[100, 700], [1180, 700], [900, 300], [380, 300]]
          floor: [[0, 0], [6, 0], [6, 12], [0, 12]]
`;
    const cfg = await loadConfig(writeConfig(dir, camera('[1280, 720]', '{ width: 768, height: 432 }', rules)));
    const r = cfg.cameras[0]!.rules;
    expect(cfg.cameras[0]!.size).toEqual([1280, 720]);
    expect(r.lines[0]!.points).toEqual([[384, 120], [767.4, 431.4]]);
    expect(r.zones[0]!.polygon).toEqual([[0, 240], [180, 240], [180, 432], [0, 432]]);
    expect(r.distancing!.calibration).toEqual({
      image: [[60, 420], [708, 420], [540, 180], [228, 180]],
      floor: [[0, 0], [6, 0], [6, 12], [0, 12]],
    });
  });

  it('is exact for awkward ratios (multiply before dividing) and independent per axis', async () => {
    // 1000x1000 -> 768x576: x * 0.768, y * 0.576. 333 * 768 / 1000 is 255.744 to the last bit;
    // 333 * 0.768 would be 255.74399999999997.
    const rules = '      lines:\n        - id: l1\n          points: [[333, 333], [333, 999]]\n';
    const cfg = await loadConfig(writeConfig(dir, camera('[1000, 1000]', '{ width: 768, height: 576 }', rules)));
    expect(cfg.cameras[0]!.rules.lines[0]!.points).toEqual([[255.744, 191.808], [255.744, 575.424]]);
  });

  it('without size, coordinates are detect pixels already', async () => {
    const cfg = await loadConfig(writeConfig(dir, BASE));
    expect(cfg.cameras[0]!.size).toEqual([640, 480]);
    expect(cfg.cameras[0]!.rules.lines[0]!.points).toEqual([[320, 100], [320, 470]]);
  });

  it('fills documented defaults', async () => {
    const cfg = await loadConfig(writeConfig(dir, BASE));
    const cam = cfg.cameras[0]!;
    expect(cam.detect.fps).toBe(5);
    expect(cam.health).toEqual({ stall_s: 20, offline_after_s: 60, frozen_s: 60 });
    expect(cam.hwaccel).toBe('none');
    expect(cam.enabled).toBe(true);
    expect(cam.rules).toMatchObject({ mask: false, tamper: true, mask_severity: null, tamper_severity: null, zones: [], gathering: null, distancing: null, schedule: { allow_lines: [], allow_zones: [] } });
    expect(cam.rules.lines[0]).toEqual({ id: 'l1', name: null, severity: null, points: [[320, 100], [320, 470]], direction: 'in', min_frames: 3, cooldown_s: 30 });
    expect(cfg.local).toEqual({
      listen: '127.0.0.1:8080',
      host: '127.0.0.1',
      port: 8080,
      language: 'vi',
      tls: 'generate',
      public_hosts: [],
      session_idle_min: 30,
      session_max_h: 12,
      review_window_s: 120,
      shift_h: 12,
      escalate_after_min: 5,
      mute_max_min: 60,
    });
    expect(cfg.models).toEqual({
      person: { min_score: 0.32, input_side: 320 },
      mask: { threshold: 0.8, min_samples: 3, agreement: 0.6, min_face_px: 24, clear_s: 10 },
    });
    expect(cfg.storage).toEqual({ dir: `${dir}/data`, snapshot_retention_days: 14, event_retention_days: 90, min_free_mb: 500 });
    expect(cfg.hub).toEqual({ url: 'embedded', mode: 'embedded', heartbeat_s: 60, replay_rate_per_s: 5, snapshot_upload: true, upload_port: 8443, tls: null });
    expect(cfg.facility.timezone).toBe('Asia/Ho_Chi_Minh');
  });
});
