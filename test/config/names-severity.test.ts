/**
 * What guards read and how loud it is: optional `name` on the facility, cameras, lines and zones (any language, plain
 * text, short), and a `severity` per rule. Bad names are refused with the key path, never passed on to the page.
 */
import { describe, expect, it } from 'vitest';
import { checkConfig, loadConfig } from '../../agent/config/index.js';
import { BASE, at, edit, tempDir, writeConfig } from './helpers.js';

const dir = tempDir();

const ZONE = `      zones:
        - id: door-zone
          polygon: [[10, 300], [200, 300], [200, 470], [10, 470]]
          intrusion: true
`;

async function errorsOf(text: string): Promise<{ errors: readonly string[]; f: (pos: string, rest: string) => string }> {
  const file = writeConfig(dir, text);
  const r = await checkConfig(file, { env: {} });
  expect(r.ok).toBe(false);
  return { errors: r.errors, f: (pos, rest) => `${file}:${pos}: ${rest}` };
}

describe('names', () => {
  it('accepts Vietnamese names on the facility, a camera, a line and a zone; absent names are null', async () => {
    let text = edit(BASE, '  id: test-01', '  id: test-01\n  name: "Khu cách ly Trường Quân sự tỉnh"');
    text = edit(text, '  - id: cam-1', '  - id: cam-1\n    name: "Hành lang tầng 2 - dãy A"');
    text = edit(text, '        - id: l1', '        - id: l1\n          name: "Lối ra cầu thang"');
    text = `${text}${ZONE.replace('          polygon', '          name: "Phòng trực"\n          polygon')}`;
    const c = await loadConfig(writeConfig(dir, text), { env: {} });
    expect(c.facility.name).toBe('Khu cách ly Trường Quân sự tỉnh');
    expect(c.cameras[0]!.name).toBe('Hành lang tầng 2 - dãy A');
    expect(c.cameras[0]!.rules.lines[0]!.name).toBe('Lối ra cầu thang');
    expect(c.cameras[0]!.rules.zones[0]!.name).toBe('Phòng trực');
    const plain = await loadConfig(writeConfig(dir, BASE), { env: {} });
    expect(plain.cameras[0]!.rules.lines[0]!.name).toBeNull();
  });

  it('refuses a name with HTML, naming the key and showing the value as text', async () => {
    const text = edit(BASE, '        - id: l1', '        - id: l1\n          name: "<img src=x onerror=alert(1)>"');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([
      f(at(text, 'name: "<img'), 'cameras[0].rules.lines[0].name: a name is shown to guards as plain text: "<", ">" and control characters are not allowed, got "<img src=x onerror=alert(1)>"'),
    ]);
  });

  it('refuses a 2,000-character camera name and a facility name of control characters', async () => {
    const long = 'Hành lang '.repeat(200);
    let text = edit(BASE, '  - id: cam-1', `  - id: cam-1\n    name: "${long}"`);
    text = edit(text, '  id: test-01', '  id: test-01\n  name: "Khu\\u0007A"');
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([
      f(at(text, 'name: "Khu'), 'facility.name: a name is shown to guards as plain text: "<", ">" and control characters are not allowed, got "Khu\\u0007A"'),
      f(at(text, `name: "${long.slice(0, 20)}`), 'cameras[0].name: expected at most 80 characters, got 2000'),
    ]);
  });

  it('refuses a name of spaces', async () => {
    const text = edit(BASE, '  - id: cam-1', '  - id: cam-1\n    name: "   "');
    const { errors } = await errorsOf(text);
    expect(errors).toEqual([expect.stringContaining('cameras[0].name: expected a name with something other than spaces')]);
  });
});

describe('severity per rule', () => {
  it('is null (the type default) unless set; lines, zones, gathering and distancing take one', async () => {
    let text = edit(BASE, '          direction: in', '          direction: in\n          severity: critical');
    text = `${text}${ZONE.replace('          intrusion: true', '          intrusion: true\n          severity: warning')}      gathering: { max_people: 3, severity: info }\n`;
    const c = await loadConfig(writeConfig(dir, text), { env: {} });
    const r = c.cameras[0]!.rules;
    expect(r.lines[0]!.severity).toBe('critical');
    expect(r.zones[0]!.severity).toBe('warning');
    expect(r.gathering?.severity).toBe('info');
    expect(r).toMatchObject({ mask: false, mask_severity: null, tamper: true, tamper_severity: null });
  });

  it('mask and tamper take true/false or { severity } (which switches the rule on) or { enabled: false }', async () => {
    const text = `${BASE}      mask: { severity: warning }\n      tamper: { enabled: false }\n`;
    const r = (await loadConfig(writeConfig(dir, text), { env: {} })).cameras[0]!.rules;
    expect(r).toMatchObject({ mask: true, mask_severity: 'warning', tamper: false, tamper_severity: null });
    const plain = (await loadConfig(writeConfig(dir, `${BASE}      mask: true\n      tamper: false\n`), { env: {} })).cameras[0]!.rules;
    expect(plain).toMatchObject({ mask: true, mask_severity: null, tamper: false });
  });

  it('refuses an unknown severity and an unknown key under mask, saying what is allowed', async () => {
    const text = `${edit(BASE, '          direction: in', '          direction: in\n          severity: urgent')}      mask: { severity: info, sound: off }\n`;
    const { errors, f } = await errorsOf(text);
    expect(errors).toEqual([
      f(at(text, 'severity: urgent'), 'cameras[0].rules.lines[0].severity: expected one of critical, warning, info, got "urgent"'),
      f(at(text, 'sound'), 'cameras[0].rules.mask.sound: unknown key "sound" (allowed: enabled, severity)'),
    ]);
  });
});
