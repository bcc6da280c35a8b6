/**
 * The dashboard's translation table (agent/local/ui/strings.js), read as the page reads it: both languages have the
 * same keys and placeholders, every key the page's code asks for exists, every code the API sends (rule types,
 * camera states and reasons, audit actions) has a label, and no English word is left in the Vietnamese table. The
 * rendered pages are checked the same way in Chromium (browser/review.test.ts).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RULE_TYPES } from '../../contract/index.js';
import { USER_ROLES } from '../../agent/store/index.js';
import { englishWordsIn, loadStrings, type Strings } from './ui-words.js';

const UI = join(process.cwd(), 'agent/local/ui');
let s: Strings;
beforeAll(async () => {
  s = await loadStrings();
});

/** Every .js file of the page, with its text. */
function sources(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const dir of [UI, join(UI, 'views')]) {
    for (const f of readdirSync(dir)) if (f.endsWith('.js') && f !== 'strings.js') out.push({ file: join(dir, f), text: readFileSync(join(dir, f), 'utf8') });
  }
  return out;
}

const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();

describe('the translation table', () => {
  it('has the same keys and the same {placeholders} in Vietnamese and English', () => {
    expect(Object.keys(s.en).sort()).toEqual(Object.keys(s.vi).sort());
    for (const k of Object.keys(s.vi)) expect(placeholders(s.en[k]!), k).toEqual(placeholders(s.vi[k]!));
  });

  it('has every key the page’s code names, and labels for the codes it shows', () => {
    const used = new Set<string>();
    for (const { file, text } of sources()) {
      // t('a.b'), and the keys chosen by a ternary or listed in an array for t(k)
      for (const m of text.matchAll(/\bt\('([a-zA-Z0-9_.]+)'/g)) used.add(m[1]!);
      for (const m of text.matchAll(/\?\s*'([a-z]+\.[a-zA-Z0-9_.]+)'\s*:\s*'([a-z]+\.[a-zA-Z0-9_.]+)'/g)) for (const k of [m[1]!, m[2]!]) used.add(k);
      for (const m of text.matchAll(/\[((?:'[a-z]+\.[a-zA-Z0-9_.]+',?\s*)+)\]\.map\(\(k\) => h\('th'/g)) for (const k of m[1]!.matchAll(/'([^']+)'/g)) used.add(k[1]!);
      expect(text, `${file} inserts markup`).not.toMatch(/\.innerHTML\s*=|insertAdjacentHTML/);
    }
    expect(used.size).toBeGreaterThan(100);
    expect([...used].filter((k) => !(k in s.vi))).toEqual([]);
    const codes = [
      ...RULE_TYPES.map((c) => `type.${c}`),
      ...USER_ROLES.map((c) => `role.${c}`),
      ...['online', 'degraded', 'offline', 'disabled', 'starting'].map((c) => `cam.state.${c}`),
      ...['critical', 'warning', 'info'].map((c) => `sev.${c}`),
      ...['in', 'out'].map((c) => `dir.${c}`),
      ...['excellent', 'good', 'fair', 'poor', 'unusable', 'unknown'].map((c) => `q.${c}`),
      // CameraStateReason (agent/camera/camera-state.ts, with ffmpeg's kinds) and the pipeline's `overload`
      ...['starting', 'streaming', 'frozen', 'over_fps', 'stalled', 'ended', 'stopped', 'overload', 'auth_failed', 'not_found', 'refused', 'timeout', 'bad_stream', 'codec_unsupported', 'hwaccel_failed', 'spawn_failed', 'unknown'].map((c) => `reason.${c}`),
      // every action the server writes to the audit log
      ...['login', 'login_failed', 'login_locked', 'logout', 'setup', 'setup_failed', 'snapshot_view', 'context_view', 'ack', 'ack_bulk', 'snooze', 'snooze_end', 'export', 'user_add', 'user_change', 'mute', 'unmute'].map((c) => `audit.action.${c}`),
    ];
    expect(codes.filter((k) => !(k in s.vi))).toEqual([]);
  });

  it('leaves no English word in the Vietnamese table', () => {
    const leaks = Object.entries(s.vi).flatMap(([k, v]) => englishWordsIn(v.replace(/\{\w+\}/g, ' '), s).map((w) => `${k}: ${w}`));
    expect(leaks).toEqual([]);
  });

  it('finds English words where there are some (the check itself works)', () => {
    expect(englishWordsIn('Suy giảm — overload', s)).toEqual(['overload']);
    expect(englishWordsIn('source: unknown, now 78,189.48 MB', s)).toEqual(['source', 'unknown', 'now']);
    expect(englishWordsIn('Camera Hành lang A · Vạch Lối ra · đi vào', s)).toEqual([]);
  });
});
