import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { Snapshotter } from '../../agent/app/snapshotter.js';
import { ViolationLifecycle } from '../../agent/events/index.js';
import type { Frame, RuleEvent } from '../../agent/shared/types.js';
import { capturingLogger } from '../support/capturing-logger.js';
import { tempDir } from '../store/fixtures.js';
import { STANDING, found, frame } from './frames.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function storage(): string {
  const t = tempDir('snapshotter');
  cleanups.push(t.cleanup);
  return t.dir;
}

function event(phase: RuleEvent['phase'], over: Partial<RuleEvent> = {}): RuleEvent {
  const f = frame(5);
  return {
    type: 'zone_intrusion',
    phase,
    key: '7',
    rule: { id: 'staff-only.intrusion', version: 1 },
    cameraId: 'hall',
    ts: f.ts,
    wallTs: f.wallTs,
    trackIds: [7],
    boxes: [STANDING.box],
    people: 1,
    confidence: 0.8,
    zoneId: 'staff-only',
    ...over,
  };
}

const lifecycle = () => new ViolationLifecycle({ sink: { record: () => undefined } });

describe('Snapshotter', () => {
  it('writes the cropped picture as a JPEG named after the revision, with the sha256 and size of what is on disk', async () => {
    const dir = storage();
    const log = capturingLogger();
    const shots = new Snapshotter(dir, log.logger);
    const life = lifecycle();
    const ev = event('start');
    const f = frame(5);
    const ref = await shots.forEvent(ev, f, found(f), life);
    const id = life.revisionFor(ev)!;
    expect(ref?.file).toBe(`snapshots/${id.eventId}-r1.jpg`);
    const bytes = readFileSync(join(dir, ref!.file));
    expect(ref).toMatchObject({ bytes: bytes.length, redaction: 'faces-blurred', sha256: createHash('sha256').update(bytes).digest('hex') });
    const meta = await sharp(bytes).metadata();
    expect(meta.format).toBe('jpeg');
    // Cropped to the person plus a margin, not the whole 640×480 frame.
    expect([meta.width, meta.height]).toEqual([ref!.w, ref!.h]);
    expect(ref!.w).toBeLessThan(640);
    expect(ref!.h).toBeLessThan(480);
    expect(log.errors()).toEqual([]);
  });

  it('searches the encoded snapshot whole for faces before writing it, and writes it only once the search finds none', async () => {
    const f = frame(5);
    const searched: Frame[] = [];
    const log = capturingLogger();
    // A face of someone the person detector missed, at (10..30, 10..30) of the crop: found until it is pixelated.
    const shots = new Snapshotter(storage(), log.logger, (picture) => {
      searched.push(picture);
      return Promise.resolve(searched.length === 1 ? [{ x1: 10, y1: 10, x2: 30, y2: 30 }] : []);
    });
    const ref = await shots.forEvent(event('start'), f, found(f), lifecycle());
    expect(ref).not.toBeNull();
    // The crop around the person box (455..505 × 250..400) grown by the margin, decoded from the JPEG: searched twice.
    expect(searched.map((p) => [p.width, p.height])).toEqual([
      [ref!.w, ref!.h],
      [ref!.w, ref!.h],
    ]);
    expect(ref!.w).toBeGreaterThanOrEqual(50);
    expect(ref!.h).toBeGreaterThanOrEqual(150);
    expect(log.errors()).toEqual([]);
  });

  it('a face search that fails (model error) means no picture, never an unchecked one', async () => {
    const dir = storage();
    const log = capturingLogger();
    const shots = new Snapshotter(dir, log.logger, () => Promise.reject(new Error('face model: onnxruntime failed')));
    expect(await shots.forEvent(event('start'), frame(5), found(frame(5)), lifecycle())).toBeNull();
    expect(existsSync(join(dir, 'snapshots')) ? readdirSync(join(dir, 'snapshots')) : []).toEqual([]);
    expect(log.errors().length).toBe(1);
  });

  it('takes a new picture only when a revision improves on the last one, and none for ends or tamper alarms', async () => {
    const dir = storage();
    const shots = new Snapshotter(dir, capturingLogger().logger);
    const life = lifecycle();
    const f: Frame = frame(5);
    const first = event('start');
    const ref = await shots.forEvent(first, f, found(f), life);
    life.handle(first, ref);
    expect(await shots.forEvent(event('update', { confidence: 0.81 }), f, found(f), life)).toBeNull(); // score jitter
    expect(await shots.forEvent(event('update', { confidence: 0.95 }), f, found(f), life)).not.toBeNull();
    expect(await shots.forEvent(event('end'), f, found(f), life)).toBeNull();
    const tamper = event('start', { type: 'camera_tamper', key: 'covered', trackIds: [], boxes: [], people: 0 });
    expect(await shots.forEvent(tamper, f, found(f, []), life)).toBeNull();
    expect(readdirSync(join(dir, 'snapshots')).sort()).toHaveLength(2);
  });

  it('saves nothing while disk pressure forbids snapshots', async () => {
    const dir = storage();
    let allowed = false;
    const shots = new Snapshotter(dir, capturingLogger().logger, null, () => allowed);
    const f = frame(5);
    expect(await shots.forEvent(event('start'), f, found(f), lifecycle())).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
    allowed = true;
    expect(await shots.forEvent(event('start'), f, found(f), lifecycle())).not.toBeNull();
  });

  it('a write that fails returns null and logs why: the violation is still recorded, without a picture', async () => {
    const dir = storage();
    writeFileSync(join(dir, 'snapshots'), 'a file where the folder should be');
    const log = capturingLogger();
    const shots = new Snapshotter(dir, log.logger);
    const f = frame(5);
    await expect(shots.forEvent(event('start'), f, found(f), lifecycle())).resolves.toBeNull();
    expect(log.errors()).toEqual([expect.stringContaining('snapshot could not be written')]);
  });
});
