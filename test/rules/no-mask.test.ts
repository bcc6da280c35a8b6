// no_mask by consensus over a track's classified face crops, at 5 fps (one frame = 200 ms).
import { describe, expect, it } from 'vitest';
import { NO_MASK_VERSION, NoMaskRule, RuleConfigError, type MaskConsensusConfig, type NoMaskOptions } from '../../agent/rules/index.js';
import type { MaskState } from '../../agent/shared/types.js';
import { playRule, summary, type At } from './tracks.js';

const SETTINGS: MaskConsensusConfig = { threshold: 0.8, min_samples: 3, agreement: 0.6, clear_s: 2 };
const rule = (over: Partial<MaskConsensusConfig> = {}, options: NoMaskOptions = {}): NoMaskRule => new NoMaskRule({ ...SETTINGS, ...over }, options);

/**
 * One track's frames from a compact script: `n` no_mask, `m` mask, `u` unknown, `l` a no_mask
 * below the threshold (0.79), `.` a frame with no classified face. Scores are 0.9 otherwise.
 */
function script(s: string, id = 1): At[][] {
  const sample = (c: string): { state: MaskState; score: number } | undefined =>
    c === 'n' ? { state: 'no_mask', score: 0.9 } : c === 'm' ? { state: 'mask', score: 0.9 } : c === 'u' ? { state: 'unknown', score: 0.99 } : c === 'l' ? { state: 'no_mask', score: 0.79 } : undefined;
  return [...s].map((c) => {
    const mask = sample(c);
    return [{ id, at: [400, 400], ...(mask && { mask }) }];
  });
}

describe('no_mask consensus (threshold 0.8, min_samples 3, agreement 0.6, clear_s 2)', () => {
  it.each<[string, string, [number, string, string][]]>([
    ['three no-mask faces start it on the third', 'nnn', [[2, 'start', '1']]],
    ['two samples are never enough', 'nn..........', []],
    ['unknown faces never count, however many and however sure', 'u'.repeat(200), []],
    ['unknowns between no-mask faces neither help nor hurt', 'nuuuuunuuuuun', [[12, 'start', '1']]],
    ['no-mask faces under the threshold do not count', 'l'.repeat(50), []],
    ['frames without a classified face do not count', 'n.....n.....n', [[12, 'start', '1']]],
    // 60 % boundary: 3 of 5 is exactly 0.6 and passes; 2 of 4 (0.5) does not.
    ['3 of 5 (exactly 60 %) starts it', 'mmnnn', [[4, 'start', '1']]],
    ['2 of 4 (50 %) does not', 'mmnn', []],
    ['2 of 3 (67 %) does', 'mnn', [[2, 'start', '1']]],
    // A track flipping every frame: m,n,m,n… never reaches 60 %; n,m,n,… is 2 of 3 on its third.
    ['flipping from mask first never reaches 60 %', 'mn'.repeat(30), []],
    ['flipping from no-mask first starts on the third sample', 'nm'.repeat(30), [[2, 'start', '1']]],
    // Open, then masked: the first counted mask at frame 3, 2 s later is frame 13.
    ['ends once the mask was seen on for clear_s', 'nnn' + 'm'.repeat(12), [[2, 'start', '1'], [13, 'end', '1']]],
    ['a no-mask face restarts the clear time', 'nnn' + 'm'.repeat(8) + 'n' + 'm'.repeat(11), [[2, 'start', '1'], [22, 'end', '1']]],
    ['unknown faces do not clear it', 'nnn' + 'u'.repeat(50), [[2, 'start', '1']]],
    ['one violation per track: taking the mask off again raises nothing new', 'nnn' + 'm'.repeat(12) + 'n'.repeat(20), [[2, 'start', '1'], [13, 'end', '1']]],
    // After 20 masked samples the window (10) still lets a later no-mask run through: 6 of 10 at the 26th.
    ['a long-masked person who takes it off is caught within the window', 'm'.repeat(20) + 'n'.repeat(8), [[25, 'start', '1']]],
  ])('%s', (_name, s, want) => {
    expect(summary(playRule(rule(), script(s)))).toEqual(want);
  });

  it('judges each track on its own samples', () => {
    const a = script('nnnnn', 1);
    const b = script('mmmmm', 2);
    const frames = a.map((f, i) => [...f, ...b[i]!]);
    expect(summary(playRule(rule(), frames))).toEqual([[2, 'start', '1']]);
  });

  it('ignores unconfirmed detections (no track id)', () => {
    const frames = script('nnnnnn').map((f) => f.map(({ id: _id, ...rest }) => rest));
    expect(playRule(rule(), frames)).toEqual([]);
  });

  it('reports the track, its box and the mean no-mask score', () => {
    const frames = [...script('nn', 4), [{ id: 4, at: [400, 400], mask: { state: 'no_mask', score: 1 } } as At]];
    const [fired] = playRule(rule(), frames);
    expect(fired!.event).toMatchObject({
      type: 'no_mask',
      phase: 'start',
      rule: { id: 'camera.no-mask', version: NO_MASK_VERSION },
      trackIds: [4],
      people: 1,
    });
    expect(fired!.event.confidence).toBeCloseTo((0.9 + 0.9 + 1) / 3, 12);
  });

  it('ends when the track ends and forgets it', () => {
    const r = rule();
    const fired = playRule(r, script('nnnnn'), { ended: (seq) => (seq === 4 ? [1] : []) });
    expect(summary(fired)).toEqual([[2, 'start', '1'], [4, 'end', '1']]);
    expect(r.stateSize()).toBe(0);
  });

  it('respects changed settings: min_samples 5, threshold 0.5, agreement 1', () => {
    expect(summary(playRule(rule({ min_samples: 5 }), script('nnnnn')))).toEqual([[4, 'start', '1']]);
    expect(summary(playRule(rule({ threshold: 0.5 }), script('lll')))).toEqual([[2, 'start', '1']]);
    expect(summary(playRule(rule({ agreement: 1 }), script('nnmnnnnnnnnnnn')))).toEqual([[12, 'start', '1']]);
  });

  it.each<[string, Partial<MaskConsensusConfig>, RegExp]>([
    ['threshold 1.2', { threshold: 1.2 }, /mask: threshold must be a number from 0 to 1 \(got 1.2\)/],
    ['agreement 0', { agreement: 0 }, /mask: agreement must be > 0/],
    ['min_samples 0', { min_samples: 0 }, /mask: min_samples must be a whole number >= 1 \(got 0\)/],
    ['clear_s -1', { clear_s: -1 }, /mask: clear_s must be a number of seconds >= 0/],
  ])('rejects %s', (_name, over, msg) => {
    expect(() => rule(over)).toThrow(RuleConfigError);
    expect(() => rule(over)).toThrow(msg);
  });
});
