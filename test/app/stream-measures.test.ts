// The survey's stream measurements on a manual clock: measured in the background when asked for, one probe at a
// time, again only when a day old (or an hour after a failure), and the agent told when a camera's values change.
import { describe, expect, it } from 'vitest';
import { StreamMeasures } from '../../agent/app/stream-measures.js';
import { ManualClock } from '../../agent/shared/clock.js';
import { silentLogger } from '../../agent/ops/index.js';
import type { FfmpegInput, StreamFacts } from '../../agent/decode/index.js';

const H = 3_600_000;
const facts = (width: number): StreamFacts => ({ codec: 'h264', width, height: 720, fps: 25, bitrateKbps: 2000 });

function setup(results: (StreamFacts | null)[]) {
  const clock = new ManualClock();
  let running = 0;
  let most = 0;
  const probed: string[] = [];
  let changes = 0;
  const m = new StreamMeasures({
    clock,
    logger: silentLogger(),
    probe: async (input: FfmpegInput) => {
      running++;
      most = Math.max(most, running);
      probed.push(input.kind === 'file' ? input.path : input.url);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return results.shift() ?? null;
    },
    onChange: () => changes++,
  });
  return { clock, m, probed, most: () => most, changes: () => changes };
}

describe('StreamMeasures', () => {
  it('measures when first asked, one camera at a time, and tells the agent once per change', async () => {
    const t = setup([facts(1280), facts(640)]);
    t.m.setInput('a', { kind: 'file', path: '/a.mp4', loop: true });
    t.m.setInput('b', { kind: 'rtsp', url: 'rtsp://127.0.0.1:5000/b', transport: 'tcp' });
    t.m.get('c'); // no input known: nothing to probe
    expect(t.m.get('a')).toBeUndefined();
    expect(t.m.get('b')).toBeUndefined();
    expect(t.m.get('a')).toBeUndefined(); // already queued: not twice
    await t.m.idle();
    expect(t.probed).toEqual(['/a.mp4', 'rtsp://127.0.0.1:5000/b']);
    expect(t.most()).toBe(1);
    expect(t.m.get('a')).toEqual(facts(1280));
    expect(t.m.get('b')).toEqual(facts(640));
    expect(t.changes()).toBe(2);
    await t.m.idle();
    expect(t.probed).toHaveLength(2); // fresh values are not measured again
  });

  it('measures again when a day old (no change: no new survey), and an hour after a failure', async () => {
    const t = setup([facts(1280), facts(1280), null, facts(1920)]);
    t.m.setInput('a', { kind: 'file', path: '/a.mp4', loop: true });
    t.m.get('a');
    await t.m.idle();
    t.clock.advance(20 * H);
    t.m.get('a');
    await t.m.idle();
    expect(t.probed).toHaveLength(2);
    expect(t.changes()).toBe(1);
    t.clock.advance(20 * H);
    expect(t.m.get('a')).toEqual(facts(1280)); // the failed probe keeps the last values
    await t.m.idle();
    t.clock.advance(30 * 60_000);
    t.m.get('a');
    await t.m.idle();
    expect(t.probed).toHaveLength(3); // within the hour after a failure: not tried again
    t.clock.advance(30 * 60_000);
    t.m.get('a');
    await t.m.idle();
    expect(t.m.get('a')).toEqual(facts(1920));
    expect(t.changes()).toBe(2);
  });
});
