import { describe, expect, it } from 'vitest';
import { formatOffset, formatReports, type ProbeReport } from '../../../agent/camera/onvif/index.js';

const report = (offsetMs: number, ntp: boolean): ProbeReport => ({
  address: '10.0.0.5',
  port: 80,
  path: '/onvif/device_service',
  clock: { offsetMs, source: 'utc', ntp },
  authenticated: true,
  profiles: [],
  skippedProfiles: [],
  notes: [],
});

describe('camera clock offset as a technician reads it', () => {
  it('says days for a wrong date, hours and minutes below a day', () => {
    expect(formatOffset(-517 * 86_400_000)).toBe('-517d 00h 00m');
    expect(formatOffset(2 * 86_400_000 + 3 * 3_600_000 + 5 * 60_000)).toBe('+2d 03h 05m');
    expect(formatOffset(3 * 3_600_000 + 7_000)).toBe('+3h 00m 07s');
    expect(formatOffset(200)).toBe('in sync');
  });

  it('gives advice that fits the NTP setting, never "set NTP" to a camera that has it on', () => {
    const on = formatReports([report(-517 * 86_400_000, true)]);
    expect(on).toContain('camera clock is -517d 00h 00m off; NTP is on but not working: check the NTP server address');
    expect(on).not.toMatch(/although NTP is on; set NTP/);
    expect(formatReports([report(3_600_000, false)])).toContain('off; turn NTP on in the camera');
  });
});
