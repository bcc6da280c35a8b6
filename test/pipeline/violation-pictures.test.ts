/**
 * A camera's violation pictures: asked for after the revision is recorded, made by the snapshot worker's render
 * (in-process here), recorded as a revision of their own, and each outcome stored with its reason.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { ViolationLifecycle } from '../../agent/events/index.js';
import { PictureQueue, ViolationPictures, answerJob, type PictureRunner } from '../../agent/pipeline/index.js';
import { systemClock } from '../../agent/shared/clock.js';
import { CameraMetrics } from '../../agent/shared/camera-metrics.js';
import type { Box, Frame, RuleEvent, Violation } from '../../agent/shared/types.js';
import type { FaceFinder } from '../../agent/events/index.js';
import { capturingLogger } from '../support/capturing-logger.js';
import { tempDir } from '../store/fixtures.js';
import { STANDING, found, frame } from './frames.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

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

function rig(over: { faces?: FaceFinder; allowed?: () => boolean; runner?: PictureRunner; overlay?: boolean } = {}) {
  const t = tempDir('pictures');
  cleanups.push(t.cleanup);
  const log = capturingLogger();
  const recorded: Violation[] = [];
  const outcomes: { outcome: string; reason: string | null; file: string | null }[] = [];
  const lifecycle = new ViolationLifecycle({ sink: { record: (v) => void recorded.push(v) } });
  const metrics = new CameraMetrics('hall');
  const runner: PictureRunner = over.runner ?? { run: (job) => answerJob(job, over.faces ?? null), restarts: 0, close: () => Promise.resolve() };
  const pictures = new ViolationPictures({
    storageDir: t.dir,
    queue: new PictureQueue({ runner, clock: systemClock, logger: log.logger }),
    lifecycle,
    metrics,
    clock: systemClock,
    logger: log.logger,
    recordOutcome: (row) => outcomes.push({ outcome: row.outcome, reason: row.reason, file: row.file }),
    ...(over.allowed && { allowed: over.allowed }),
    ...(over.overlay && { overlay: { lines: [{ id: 'door', points: [[320, 20], [320, 460]] as const, direction: 'both' as const }], zones: [] }, afterWaitMs: 2_000 }),
  });
  /** Records `ev` as the pipeline does, then asks for its picture. */
  const handle = (ev: RuleEvent, f: Frame = frame(5)): Violation | null => {
    pictures.observe(f, found(f));
    const v = lifecycle.handle(ev);
    if (v) pictures.request(ev, v, f, found(f));
    return v;
  };
  return { dir: t.dir, log, recorded, outcomes, metrics, pictures, handle };
}

describe('ViolationPictures', () => {
  it('writes the cropped picture as a JPEG and records it as the next revision, with the sha256 and size of what is on disk', async () => {
    const r = rig();
    const v = r.handle(event('start'))!;
    expect(r.recorded).toEqual([v]); // the alert, before any picture
    await r.pictures.drain();
    const pic = r.recorded[1]!;
    expect(pic).toMatchObject({ eventId: v.eventId, rev: 2, state: 'update' });
    expect(pic.snapshot?.file).toBe(`snapshots/${v.eventId}-p1.jpg`);
    const bytes = readFileSync(join(r.dir, pic.snapshot!.file));
    expect(pic.snapshot).toMatchObject({ bytes: bytes.length, redaction: 'faces-blurred', sha256: createHash('sha256').update(bytes).digest('hex') });
    const meta = await sharp(bytes).metadata();
    expect(meta.format).toBe('jpeg');
    // Cropped to the person plus a margin, not the whole 640×480 frame.
    expect([meta.width, meta.height]).toEqual([pic.snapshot!.w, pic.snapshot!.h]);
    expect(pic.snapshot!.w).toBeLessThan(640);
    expect(pic.snapshot!.h).toBeLessThan(480);
    expect(r.outcomes).toEqual([{ outcome: 'made', reason: null, file: pic.snapshot!.file }]);
    expect(r.metrics.summary().pictures).toMatchObject({ queued: 1, made: 1, failed: 0, skipped: 0 });
    expect(r.log.errors()).toEqual([]);
  });

  it('asks the face finder about the crop region, so faces of people the detector missed are blurred too', async () => {
    const regions: Box[] = [];
    let checks = 0;
    const r = rig({
      faces: (searched, region) => {
        // The encoded picture is searched again before it is written (its own pixels); it shows no face.
        if (searched.cameraId !== 'hall') return (checks++, Promise.resolve([]));
        regions.push(region);
        return Promise.resolve([{ x1: 465, y1: 255, x2: 495, y2: 285 }]);
      },
    });
    r.handle(event('start'));
    await r.pictures.drain();
    expect(r.recorded).toHaveLength(2);
    expect(regions).toHaveLength(1);
    expect(checks, 'the encoded picture was searched for faces before it was written').toBeGreaterThan(0);
    const g = regions[0]!;
    // The crop around the person box (455..505 × 250..400) grown by the margin, inside the frame.
    expect([g.x1 <= 455, g.x2 >= 505, g.y1 <= 250, g.y2 >= 400, g.x1 >= 0, g.x2 <= 640]).toEqual([true, true, true, true, true, true]);
  });

  it('asks for a new picture only when a revision improves on the last one, and none for ends or tamper alarms', async () => {
    const r = rig();
    r.handle(event('start'));
    r.handle(event('update', { confidence: 0.81, people: 2 })); // more people: a picture
    await r.pictures.drain();
    r.handle(event('update', { confidence: 0.82, people: 1 })); // fewer people: no picture
    r.handle(event('end'));
    r.handle(event('start', { type: 'camera_tamper', key: 'covered', trackIds: [], boxes: [], people: 0 }));
    await r.pictures.drain();
    expect(readdirSync(join(r.dir, 'snapshots'))).toHaveLength(2);
    expect(r.metrics.picturesQueued).toBe(2);
  });

  it('asks for nothing while disk pressure forbids pictures, and records why', async () => {
    let allowed = false;
    const r = rig({ allowed: () => allowed });
    r.handle(event('start'));
    await r.pictures.drain();
    expect(readdirSync(r.dir)).toEqual([]);
    expect(r.outcomes).toEqual([{ outcome: 'skipped', reason: 'disk_pressure', file: null }]);
    expect(r.metrics.pictures.skipped).toBe(1);
    allowed = true;
    r.handle(event('start', { key: '8' }));
    await r.pictures.drain();
    expect(r.outcomes.at(-1)).toMatchObject({ outcome: 'made' });
  });

  it('a write that fails leaves the violation as it was recorded, with the failure stored, counted and logged', async () => {
    const r = rig();
    writeFileSync(join(r.dir, 'snapshots'), 'a file where the folder should be');
    r.handle(event('start'));
    await r.pictures.drain();
    expect(r.recorded).toHaveLength(1);
    expect(r.outcomes).toEqual([{ outcome: 'failed', reason: expect.stringMatching(/^render_failed: could not write snapshot/) as unknown, file: null }]);
    expect(r.metrics.pictures.failed).toBe(1);
    expect(r.log.errors()).toEqual([expect.stringContaining('picture could not be made')]);
  });

  it('a new violation also gets its context picture (the whole frame, the rule drawn, the moments around it) as a revision of its own', async () => {
    const r = rig({ overlay: true });
    for (let i = 0; i < 5; i++) r.pictures.observe(frame(i), found(frame(i))); // a second of moments before
    const v = r.handle(event('instant', { type: 'line_cross', key: 'door:7:in:1', lineId: 'door', direction: 'in', zoneId: undefined }))!;
    for (let i = 6; i < 20; i++) r.pictures.observe(frame(i), found(frame(i))); // and after it
    await r.pictures.drain();
    const last = r.recorded.at(-1)!;
    expect(r.recorded.map((x) => x.rev)).toEqual([1, 2, 3]);
    expect(last.snapshot?.file).toMatch(new RegExp(`^snapshots/${v.eventId}-p\\d+\\.jpg$`));
    expect(last.context?.file).toMatch(new RegExp(`^snapshots/${v.eventId}-c\\d+\\.jpg$`));
    const ctx = await sharp(readFileSync(join(r.dir, last.context!.file))).metadata();
    // The whole 640×480 frame (not a crop), with a strip beneath.
    expect([ctx.width, ctx.height > 480]).toEqual([640, true]);
    expect(r.outcomes.map((o) => o.outcome)).toEqual(['made', 'made']);
  });
});
