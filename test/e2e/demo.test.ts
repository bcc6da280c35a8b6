/**
 * The foundation's end-to-end proof, in one process, with no part mocked: the demo config's camera is OpenCV's
 * vtest.avi (a real recording of pedestrians, Debian `opencv-doc`) played at real time by the system ffmpeg; persons
 * come from the converted CenterNet ONNX model in onnxruntime-node; the line rule runs on tracked persons; violations
 * go to a real SQLite file; the embedded hub is a real MQTT broker on loopback plus the reference hub, which ACKs
 * after its own commit. Everything is asserted by counting, nothing by timing.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, type AgentStats } from '../../agent/app.js';
import { loadConfig, type AppConfig } from '../../agent/config/index.js';
import { cropRect, SNAPSHOT_DEFAULTS } from '../../agent/events/index.js';
import { createLogger } from '../../agent/ops/index.js';
import type { Frame, Violation } from '../../agent/shared/types.js';
import { FaceDetector, ModelRegistry, PersonDetector } from '../../agent/vision/index.js';
import { duplicateKeys } from '../ops/json-keys.js';
import { tiles } from '../vision/media.js';
import { vtestFrames } from './vtest-frames.js';

const REPO = new URL('../../', import.meta.url).pathname;
// vtest.avi at real time: the demo line is crossed within the first ~10 s of the clip; allow a generous margin.
const MAX_WAIT_MS = 120_000;

describe('demo pipeline end to end (ffmpeg → ONNX → tracker → line rule → SQLite → MQTT → hub ACK)', () => {
  let dir: string;
  let agent: Agent;
  let stats: AgentStats;
  /** `GET /metrics` from loopback while the agent ran (after the first ACK). */
  let scrape = { status: 0, body: '' };
  const lines: string[] = [];
  const logLines: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qmon-e2e-'));
    const demo = await loadConfig(join(REPO, 'config/demo.yaml'));
    // The dashboard on a free port: 8080 may be taken by a running demo or a parallel test.
    const config: AppConfig = { ...demo, storage: { ...demo.storage, dir }, local: { ...demo.local, port: 0 } };
    const logger = createLogger({ destination: { write: (s: string) => void logLines.push(...s.split('\n').filter(Boolean)) } });
    agent = new Agent({ config, logger, say: (l) => lines.push(l) });
    await agent.start();
    const deadline = Date.now() + MAX_WAIT_MS;
    const done = (): boolean => agent.stats().outbox.acked >= 1 && (agent.stats().hub?.snapshots ?? 0) >= 1;
    while (Date.now() < deadline && !done()) await new Promise((r) => setTimeout(r, 250));
    const dashboard = lines.find((l) => l.startsWith('dashboard http'))?.split(' ')[1];
    if (dashboard) {
      const res = await fetch(new URL('/metrics', dashboard));
      scrape = { status: res.status, body: await res.text() };
    }
    await agent.stop();
    stats = agent.stats();
  }, MAX_WAIT_MS + 30_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decoded real frames with ffmpeg and found persons in them with the ONNX detector', () => {
    const cam = stats.cameras.walkway!;
    expect(cam.frames).toBeGreaterThan(10);
    expect(cam.inferences).toBeGreaterThan(10);
    // vtest.avi has several pedestrians in nearly every frame.
    expect(cam.persons / cam.inferences).toBeGreaterThan(1);
    expect(cam.trackedPersons).toBeGreaterThan(0);
    expect(cam.errors).toBe(0);
  });

  it('stored each violation with its outbox row, and the hub ACKed it after its commit', () => {
    const db = new Database(join(dir, 'qmon.db'), { readonly: true });
    const violations = db.prepare('SELECT event_id, type, rev FROM violations').all() as { event_id: string; type: string; rev: number }[];
    const outbox = db.prepare('SELECT seq, event_id, rev, status FROM outbox ORDER BY seq').all() as { seq: number; event_id: string; rev: number; status: string }[];
    const outcomes = db.prepare('SELECT event_id, outcome FROM pictures').all() as { event_id: string; outcome: string }[];
    db.close();
    expect(violations.length).toBeGreaterThanOrEqual(1);
    expect(violations.every((v) => v.type === 'line_cross')).toBe(true);
    // One outbox row per revision: a crossing is complete at rev 1, and each of its pictures made (the snapshot, the
    // context picture) is a revision of its own after it.
    const revs = (id: string): number[] => outbox.filter((r) => r.event_id === id).map((r) => r.rev);
    for (const v of violations) {
      const made = outcomes.filter((o) => o.event_id === v.event_id && o.outcome === 'made').length;
      expect(revs(v.event_id), `revisions of ${v.event_id}`).toEqual(Array.from({ length: 1 + made }, (_, i) => i + 1));
      expect(v.rev).toBe(1 + made);
    }
    expect(outbox.filter((r) => r.status === 'acked').length).toBeGreaterThanOrEqual(1);

    const hub = new Database(join(dir, 'hub.db'), { readonly: true });
    // Every revision the hub acknowledged it committed: one delivery per seq, and the event at its newest revision.
    const delivered = hub.prepare('SELECT event_id, seq FROM deliveries WHERE fid = ?').all('demo-01') as { event_id: string; seq: number }[];
    const atHub = hub.prepare('SELECT event_id, rev FROM events WHERE fid = ?').all('demo-01') as { event_id: string; rev: number }[];
    hub.close();
    const acked = outbox.filter((r) => r.status === 'acked');
    for (const row of acked) {
      expect(delivered).toContainEqual({ event_id: row.event_id, seq: row.seq });
      expect(atHub.find((e) => e.event_id === row.event_id)?.rev).toBeGreaterThanOrEqual(row.rev);
    }
    expect(stats.hub!.received).toBeGreaterThanOrEqual(acked.length);
  });

  it('wrote a snapshot per alert (atomically, the bytes its sha256 names) and sent only its hash to the hub', () => {
    const db = new Database(join(dir, 'qmon.db'), { readonly: true });
    const rows = db.prepare('SELECT json FROM violations').all() as { json: string }[];
    const payloads = db.prepare('SELECT payload FROM outbox').all() as { payload: Buffer }[];
    db.close();
    const withShot = rows.map((r) => JSON.parse(r.json) as Violation).filter((v) => v.snapshot !== null);
    expect(withShot.length).toBeGreaterThanOrEqual(1);
    for (const v of withShot) {
      const bytes = readFileSync(join(dir, v.snapshot!.file));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(v.snapshot!.sha256);
    }
    expect(readdirSync(join(dir, 'snapshots')).filter((f) => !f.endsWith('.jpg'))).toEqual([]);
    for (const { payload } of payloads) expect(payload.toString('utf8')).not.toContain('snapshots/');
  });

  it('the stored snapshots show no face: searched as the unblurred crops of the same video are, where faces are found', async () => {
    const registry = ModelRegistry.open();
    const persons = await PersonDetector.create({ registry, threads: 1 });
    const faces = await FaceDetector.create({ registry });
    try {
      /** BlazeFace (its own 0.5 threshold) over `crop` of `f` in overlapping tiles half the crop's short side. */
      const facesIn = async (f: Frame, crop: { x: number; y: number; w: number; h: number }): Promise<number[]> => {
        const side = Math.max(16, Math.min(crop.w, crop.h) / 2);
        const found: number[] = [];
        for (const t of tiles(crop.w, crop.h, side)) {
          const region = { x1: crop.x + t.x1, y1: crop.y + t.y1, x2: Math.min(crop.x + crop.w, crop.x + t.x2), y2: Math.min(crop.y + crop.h, crop.y + t.y2) };
          for (const x of await faces.detect(f, region)) found.push(x.score);
        }
        return found;
      };
      // Control: every person of the raw clip (every 5th detect frame of its first 12 s), cropped as a snapshot is
      // but not blurred, searched the same way: faces are found, so one that survived the blur would be too.
      const raw: number[][] = [];
      let n = 0;
      for await (const f of vtestFrames({ cameraId: 'control', fromS: 0, toS: 12 })) {
        if (n++ % 5 !== 0) continue;
        for (const d of (await persons.detect(f)).items) raw.push(await facesIn(f, cropRect([d.box], SNAPSHOT_DEFAULTS.margin, f.width, f.height)));
      }

      const db = new Database(join(dir, 'qmon.db'), { readonly: true });
      const shots = (db.prepare('SELECT json FROM violations').all() as { json: string }[]).map((r) => (JSON.parse(r.json) as Violation).snapshot).filter((x) => x !== null);
      db.close();
      const written: number[][] = [];
      for (const ref of shots) {
        const { data, info } = await sharp(readFileSync(join(dir, ref.file))).removeAlpha().raw().toBuffer({ resolveWithObject: true });
        const f: Frame = { cameraId: 'snapshot', seq: 0, ts: 0, wallTs: 0, width: info.width, height: info.height, format: 'rgb24', pixels: data };
        written.push(await facesIn(f, { x: 0, y: 0, w: f.width, h: f.height }));
      }
      expect(raw.length).toBeGreaterThanOrEqual(30);
      expect(raw.filter((x) => x.length > 0).length, 'unblurred person crops with a face found (measured 45 of 60)').toBeGreaterThanOrEqual(raw.length / 2);
      expect(shots.length).toBeGreaterThanOrEqual(1);
      written.forEach((found, k) => expect(found, `faces in ${shots[k]!.file} (${shots[k]!.w}x${shots[k]!.h})`).toEqual([]));
    } finally {
      await Promise.all([persons.close(), faces.close()]);
    }
  }, 240_000); // ~40 s here, most of it the control's search

  it('the hub fetched an alert’s snapshot on request and holds the same bytes the agent stored', () => {
    const hub = new Database(join(dir, 'hub.db'), { readonly: true });
    const rows = hub.prepare('SELECT event_id, sha256, file FROM snapshots').all() as { event_id: string; sha256: string; file: string }[];
    hub.close();
    expect(rows.length).toBeGreaterThanOrEqual(1);
    const db = new Database(join(dir, 'qmon.db'), { readonly: true });
    for (const r of rows) {
      const v = JSON.parse(db.prepare('SELECT json FROM violations WHERE event_id = ?').pluck().get(r.event_id) as string) as Violation;
      const atHub = readFileSync(join(dir, 'hub-snapshots', r.file));
      expect(atHub).toEqual(readFileSync(join(dir, v.snapshot!.file)));
      expect(createHash('sha256').update(atHub).digest('hex')).toBe(v.snapshot!.sha256);
    }
    db.close();
    expect(lines.some((l) => /^hub got\s+snapshot of event .* sha256 verified/.test(l))).toBe(true);
  });

  it('served Prometheus metrics on the dashboard listener to a loopback scraper, with the pipeline\'s numbers', () => {
    expect(scrape.status).toBe(200);
    const value = (re: RegExp): number => Number(re.exec(scrape.body)?.[1] ?? NaN);
    expect(value(/^qmon_camera_frames_in_total\{camera="walkway"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(scrape.body).toMatch(/^qmon_camera_state\{camera="walkway",state="online"\} 1$/m);
    expect(value(/^qmon_inference_seconds_count\{model="[^"]+"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(value(/^qmon_violations_total\{type="line_cross"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(scrape.body).toMatch(/^qmon_hub_connected 1$/m);
    expect(scrape.body).toMatch(/^qmon_outbox_depth \d+$/m);
    expect(scrape.body).toMatch(/^process_resident_memory_bytes \d+$/m);
  });

  it('printed a readable line per alert and per ACK', () => {
    expect(lines.some((l) => /^ALERT\s+line_cross camera walkway line walkway-centre direction (in|out)/.test(l))).toBe(true);
    expect(lines.some((l) => /^hub ACK\s+seq \d+/.test(l))).toBe(true);
  });

  it('logged JSON lines that parse, each with a message and no key twice', () => {
    expect(logLines.length).toBeGreaterThan(5);
    for (const line of logLines) {
      const o = JSON.parse(line) as { msg?: unknown; level?: unknown };
      expect(typeof o.msg, line).toBe('string');
      expect(typeof o.level, line).toBe('number');
      expect(duplicateKeys(line), line).toEqual([]);
    }
  });
});
