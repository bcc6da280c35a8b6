/**
 * The overload policy: which cameras give way when the box cannot carry them all (least important first, evenly,
 * never below the floor), how frames are left out (an even share), and how the rate comes back.
 */
import { describe, expect, it } from 'vitest';
import { DetectBudget, type SlowedCamera } from '../../agent/pipeline/index.js';
import type { CameraPriority } from '../../agent/config/index.js';
import { CameraMetrics } from '../../agent/shared/camera-metrics.js';

const WINDOW = 5_000;

function rig(cams: [string, CameraPriority][], opts: ConstructorParameters<typeof DetectBudget>[0] = {}) {
  const changes: SlowedCamera[][] = [];
  const budget = new DetectBudget({ windowMs: WINDOW, ...opts, onChange: (s) => changes.push([...s]) });
  const metrics = new Map(cams.map(([id]) => [id, new CameraMetrics(id)]));
  for (const [id, priority] of cams) budget.register({ id, priority, fps: 5, metrics: metrics.get(id)! });
  let t = 0;
  budget.admit(cams[0]![0], t); // the first frame starts the first window
  /** One window of frame time in which every camera decoded 25 frames and lost `lost` of them in the hand-off. */
  const window = (lost: number): void => {
    for (const m of metrics.values()) {
      m.decoded += 25;
      m.dropped.handoff += lost;
    }
    t += WINDOW;
    budget.admit(cams[0]![0], t);
  };
  const shares = (): Record<string, number> => Object.fromEntries(cams.map(([id]) => [id, budget.slowed().find((s) => s.id === id)?.share ?? 1]));
  return { budget, changes, window, shares, metrics };
}

describe('DetectBudget', () => {
  it('admits every frame while nothing is lost', () => {
    const r = rig([['exit', 'high'], ['store', 'low']]);
    for (let i = 0; i < 5; i++) r.window(0);
    expect(r.shares()).toEqual({ exit: 1, store: 1 });
    expect(r.changes).toEqual([]);
    expect(Array.from({ length: 10 }, (_, i) => r.budget.admit('store', 25_000 + i)).every(Boolean)).toBe(true);
  });

  it('slows the low cameras first and evenly, then normal, high last, never below the floor', () => {
    const r = rig([['exit', 'high'], ['hall', 'normal'], ['store-a', 'low'], ['store-b', 'low']], { minShare: 0.5, step: 0.25, overloadWindows: 1 });
    r.window(3);
    expect(r.shares()).toEqual({ exit: 1, hall: 1, 'store-a': 0.75, 'store-b': 0.75 });
    r.window(3);
    expect(r.shares()).toEqual({ exit: 1, hall: 1, 'store-a': 0.5, 'store-b': 0.5 });
    r.window(3); // the low cameras are at their floor: the normal one gives way
    expect(r.shares()).toEqual({ exit: 1, hall: 0.75, 'store-a': 0.5, 'store-b': 0.5 });
    r.window(3);
    r.window(3); // then the high one
    expect(r.shares()).toEqual({ exit: 0.75, hall: 0.5, 'store-a': 0.5, 'store-b': 0.5 });
    r.window(3);
    r.window(3); // everyone at the floor: nothing more to give
    expect(r.shares()).toEqual({ exit: 0.5, hall: 0.5, 'store-a': 0.5, 'store-b': 0.5 });
    expect(r.changes.at(-1)).toEqual([
      { id: 'store-a', priority: 'low', share: 0.5, fps: 2.5, configuredFps: 5 },
      { id: 'store-b', priority: 'low', share: 0.5, fps: 2.5, configuredFps: 5 },
      { id: 'hall', priority: 'normal', share: 0.5, fps: 2.5, configuredFps: 5 },
      { id: 'exit', priority: 'high', share: 0.5, fps: 2.5, configuredFps: 5 },
    ]);
  });

  it('one window of loss is a blip: cameras give way only while the loss lasts, then one step each further window', () => {
    const r = rig([['exit', 'high'], ['store', 'low']]);
    r.window(3); // a garbage collection, frames arriving together: 6 of 50 lost once
    expect(r.shares()).toEqual({ exit: 1, store: 1 });
    r.window(0);
    r.window(3); // again a blip: the count starts over after a window without loss
    expect(r.shares()).toEqual({ exit: 1, store: 1 });
    expect(r.changes).toEqual([]);
    r.window(3); // two in a row: an overload
    expect(r.shares()).toEqual({ exit: 1, store: 0.9 });
    r.window(3); // it lasts: one more step at once
    expect(r.shares()).toEqual({ exit: 1, store: 0.8 });
  });

  it('a probe that was too much is taken back by the next window\'s loss alone', () => {
    const r = rig([['store', 'low']], { calmWindows: 2, step: 0.5, minShare: 0.5 });
    r.window(5);
    r.window(5);
    expect(r.shares()).toEqual({ store: 0.5 });
    r.window(0);
    r.window(0); // calm: the probe
    expect(r.shares()).toEqual({ store: 1 });
    r.window(5); // one window of loss right after it
    expect(r.shares()).toEqual({ store: 0.5 });
  });

  it('a loss within 1 % of the frames is no overload', () => {
    const r = rig([['a', 'normal']], { overloadWindows: 1 });
    r.metrics.get('a')!.decoded += 1000;
    r.window(5); // 5 of 1025
    expect(r.shares()).toEqual({ a: 1 });
  });

  it('leaves out an even share of a slowed camera\'s frames, counting nothing itself', () => {
    const r = rig([['a', 'low']], { step: 0.5, minShare: 0.5, overloadWindows: 1 });
    r.window(5);
    expect(r.shares()).toEqual({ a: 0.5 });
    const admitted = Array.from({ length: 10 }, (_, i) => r.budget.admit('a', 5_001 + i));
    // Every other frame, whatever the phase.
    expect(admitted.filter(Boolean)).toHaveLength(5);
    for (let i = 1; i < admitted.length; i++) expect(admitted[i]).not.toBe(admitted[i - 1]);
    expect(r.metrics.get('a')!.dropped.budget).toBe(0); // the pipeline counts what it was told to leave out
  });

  it('gives the most important slowed class a step back after calm windows, and takes it again if it was too much', () => {
    const r = rig([['exit', 'high'], ['store', 'low']], { calmWindows: 2, step: 0.5, minShare: 0.5, overloadWindows: 1 });
    r.window(5); // store → 0.5
    r.window(5); // exit → 0.5
    expect(r.shares()).toEqual({ exit: 0.5, store: 0.5 });
    r.window(0);
    r.window(0); // calm: the high camera first
    expect(r.shares()).toEqual({ exit: 1, store: 0.5 });
    r.window(5); // too much: the low one gives (it is above nothing: already at the floor) → the high one again
    expect(r.shares()).toEqual({ exit: 0.5, store: 0.5 });
    r.window(0);
    r.window(0);
    r.window(0);
    r.window(0);
    expect(r.shares()).toEqual({ exit: 1, store: 1 });
    expect(r.changes.at(-1)).toEqual([]);
  });

  it('a camera registered again (a reload) starts at its full rate; an unregistered one is forgotten', () => {
    const r = rig([['a', 'low'], ['b', 'low']], { overloadWindows: 1 });
    r.window(5);
    expect(r.shares()).toEqual({ a: 0.9, b: 0.9 });
    r.budget.unregister('b');
    expect(r.changes.at(-1)!.map((s) => s.id)).toEqual(['a']);
    r.budget.register({ id: 'b', priority: 'low', fps: 5, metrics: r.metrics.get('b')! });
    expect(r.budget.slowed().map((s) => s.id)).toEqual(['a']);
  });

  it('refuses settings that cannot work, naming them', () => {
    expect(() => new DetectBudget({ minShare: 0 })).toThrow(/minShare must be in \(0, 1\]/);
    expect(() => new DetectBudget({ step: 2 })).toThrow(/step must be in \(0, 1\]/);
    expect(() => new DetectBudget({ windowMs: 0 })).toThrow(/windowMs must be positive/);
    expect(() => new DetectBudget({ overloadWindows: 0 })).toThrow(/overloadWindows must be an integer ≥ 1, got 0/);
  });
});
