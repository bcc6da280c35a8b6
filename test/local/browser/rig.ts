/**
 * A real guard dashboard for browser tests and the dashboard benchmark: the agent's LocalServer over a real SQLite
 * Store in a temp dir, fed exactly as app.ts feeds it — a ViolationLifecycle whose sink records each revision (with
 * its outbox row) in the store and then publishes it to the dashboard. Snapshots and previews are real vtest.avi
 * frames rendered by the events stage (crop + head blur + JPEG), so the page shows what guards would see.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type AppConfig } from '../../../agent/config/index.js';
import { ViolationLifecycle, renderSnapshot, snapshotFileName, toSnapshotRef, writeSnapshotAtomic } from '../../../agent/events/index.js';
import { LocalServer, type CameraStateView } from '../../../agent/local/index.js';
import { silentLogger } from '../../../agent/ops/index.js';
import { systemClock } from '../../../agent/shared/clock.js';
import type { Box, Frame, RuleEvent, SnapshotRef, Violation } from '../../../agent/shared/types.js';
import { SNAPSHOT_DIR, Store } from '../../../agent/store/index.js';
import { encodeEvent } from '../../../contract/index.js';
import { AGENT_VERSION } from '../../../agent/version.js';
import { VTEST_AVI, readVideoFrames } from '../../support/video-frames.js';

/** Epoch milliseconds with sub-millisecond resolution; comparable across processes on one machine (same clock). */
export const epochNow = (): number => performance.timeOrigin + performance.now();

export const CAMERAS = ['corridor-a', 'corridor-b', 'exit-gate', 'yard'] as const;
/** What guards read for each camera (and its line and zone); the exit gate's line is critical, the others warnings. */
export const NAMES: Readonly<Record<(typeof CAMERAS)[number], { camera: string; line: string; zone: string }>> = {
  'corridor-a': { camera: 'Hành lang tầng 2 - dãy A', line: 'Giữa hành lang A', zone: 'Chiếu nghỉ A' },
  'corridor-b': { camera: 'Hành lang tầng 2 - dãy B', line: 'Giữa hành lang B', zone: 'Chiếu nghỉ B' },
  'exit-gate': { camera: 'Cổng ra', line: 'Lối ra cổng chính', zone: 'Sân trước cổng' },
  yard: { camera: 'Sân trong', line: 'Giữa sân', zone: 'Góc sân' },
};
export const TIMEZONE = 'Asia/Ho_Chi_Minh';
const W = 768;
const H = 576;

/**
 * Four cameras on the demo clip (never started: the rig feeds violations itself), each with a named line and zone;
 * `local` adds keys to the `local` section (e.g. `escalate_after_min: 1`).
 */
function configYaml(dir: string, local: string): string {
  const cams = CAMERAS.map(
    (id) => `  - id: ${id}
    name: "${NAMES[id].camera}"
    source: { file: ${VTEST_AVI} }
    detect: { fps: 5, width: ${W}, height: ${H} }
    size: [${W}, ${H}]
    rules:
      lines:
        - { id: ${id}-line, name: "${NAMES[id].line}", points: [[380, 150], [380, 560]], direction: in${id === 'exit-gate' ? ', severity: critical' : ''} }
      zones:
        - { id: ${id}-zone, name: "${NAMES[id].zone}", polygon: [[40, 300], [300, 300], [300, 560], [40, 560]], intrusion: true }
      gathering: { zone: whole-frame, max_people: 3 }`,
  );
  return `facility: { id: test-01, name: "Khu cách ly thử", timezone: ${TIMEZONE} }
hub: { url: embedded }
storage: { dir: ${dir}/data }
local: { listen: "127.0.0.1:8080", tls: "off", language: vi${local ? `, ${local}` : ''} }
cameras:
${cams.join('\n')}
`;
}

export interface Rig {
  readonly url: string;
  readonly config: AppConfig;
  readonly store: Store;
  readonly server: LocalServer;
  /** Lines the server printed for the operator (the setup code is among them). */
  readonly said: string[];
  setupCode(): string;
  /** A line crossing on `camera`, recorded through the lifecycle; resolves with the recorded revision. */
  lineCross(camera: string, opts?: { snapshot?: boolean; wallTs?: number }): Promise<Violation>;
  /** A gathering on `camera` (start, or update when it is already open) with `people`. */
  gathering(camera: string, people: number, phase?: 'start' | 'update' | 'end'): Promise<Violation | null>;
  /** Stops the dashboard's HTTP server (streams cut, sessions kept); the returned function starts it again. */
  interruptServer(): Promise<() => Promise<void>>;
  /** Wall time (epoch ms, sub-ms, see epochNow) each event id's first revision was recorded at, for latency measurements. */
  readonly recordedAt: Map<string, number>;
  stop(): Promise<void>;
}

export async function startRig(opts: { local?: string } = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'qmon-dash-'));
  const file = join(dir, 'qmon.yaml');
  writeFileSync(file, configYaml(dir, opts.local ?? ''));
  const config = await loadConfig(file);
  const store = Store.open({ dir: config.storage.dir, clock: systemClock, logger: silentLogger() });
  const { frames } = await readVideoFrames(VTEST_AVI, [120, 400]);
  const frame = (i: number, cameraId: string): Frame => ({
    cameraId,
    seq: i,
    ts: systemClock.now(),
    wallTs: systemClock.wall(),
    width: W,
    height: H,
    format: 'rgb24',
    pixels: frames[i % frames.length]!,
  });
  // Rough boxes of pedestrians in the clip: only used to crop and to blur their heads.
  const people: Box[] = [
    { x1: 330, y1: 200, x2: 420, y2: 470 },
    { x1: 470, y1: 120, x2: 540, y2: 330 },
  ];
  const previews = new Map<string, Buffer>();
  const said: string[] = [];
  const states = new Map<string, CameraStateView>(CAMERAS.map((id, i) => [id, { state: i === 3 ? 'degraded' : 'online', reason: i === 3 ? 'low_fps' : null, since: Date.now() - 3_600_000, quality: i === 3 ? 'fair' : 'excellent' }]));
  // eslint-disable-next-line prefer-const -- assigned once below; the sink closes over it before it exists
  let server: LocalServer;
  const recordedAt = new Map<string, number>();
  const lifecycle = new ViolationLifecycle({
    sink: {
      record: (v) => {
        store.recordViolation(v, (seq) => encodeEvent(v, { fid: config.facility.id, session: 1, seq, replay: false, clock: { synced: true, source: 'chrony' } }));
        if (v.rev === 1) recordedAt.set(v.eventId, epochNow());
        server.publish(v);
      },
    },
  });
  server = new LocalServer({
    config: config.local,
    facility: config.facility,
    storageDir: config.storage.dir,
    cameras: config.cameras,
    store,
    clock: systemClock,
    logger: silentLogger(),
    version: AGENT_VERSION,
    cameraState: (id) => states.get(id) ?? null,
    health: () => ({
      // No hub in the rig: the uplink is down and everything waits in the outbox, as during an outage.
      uplink: { connected: false, hubOnline: null, backlog: store.stats().pending, oldestPendingAt: store.stats().oldestPendingAt },
      diskFreeMb: 20_480,
      minFreeMb: config.storage.min_free_mb,
      models: [{ name: 'centernet-person', version: '1' }],
      clock: { synced: true, source: 'chrony' },
    }),
    preview: async (cameraId) => {
      let jpeg = previews.get(cameraId);
      if (!jpeg) {
        const i = CAMERAS.indexOf(cameraId as (typeof CAMERAS)[number]);
        jpeg = (await renderSnapshot({ frame: frame(i, cameraId), people: [], faces: [], others: people })).jpeg;
        previews.set(cameraId, jpeg);
      }
      return jpeg;
    },
    say: (line) => said.push(line),
  });
  const { url } = await server.start(0);

  let shots = 0;
  async function snapshotFor(ev: RuleEvent): Promise<SnapshotRef | null> {
    if (ev.phase === 'end') return null;
    shots++;
    // The whole frame (no crop): the rig's boxes are rough, and a guard-like picture matters more here than the crop.
    const shot = await renderSnapshot({ frame: frame(shots, ev.cameraId), people: [], faces: [], others: people });
    const name = snapshotFileName(`rig-${ev.cameraId}`, shots);
    await writeSnapshotAtomic(join(config.storage.dir, SNAPSHOT_DIR), name, shot.jpeg);
    return toSnapshotRef(shot, `${SNAPSHOT_DIR}/${name}`);
  }

  const base = (camera: string, wallTs: number): Pick<RuleEvent, 'cameraId' | 'ts' | 'wallTs' | 'confidence'> => ({ cameraId: camera, ts: systemClock.now(), wallTs, confidence: 0.86 });
  let n = 0;

  return {
    url,
    config,
    store,
    server,
    said,
    recordedAt,
    setupCode: () => {
      const m = said.join('\n').match(/setup code (\S+)/);
      if (!m) throw new Error(`the server printed no setup code; it said: ${said.join(' | ') || '(nothing)'}`);
      return m[1]!;
    },
    lineCross: async (camera, opts = {}) => {
      // As the rule engine does: the line's configured severity goes on its events.
      const line = config.cameras.find((c) => c.id === camera)?.rules.lines[0];
      const ev: RuleEvent = {
        ...(line?.severity && { severity: line.severity }),
        ...base(camera, opts.wallTs ?? Date.now()),
        type: 'line_cross',
        phase: 'instant',
        key: `track-${++n}`,
        rule: { id: `${camera}-line`, version: 1 },
        trackIds: [n],
        boxes: [people[0]!],
        people: 1,
        lineId: `${camera}-line`,
        direction: 'in',
      };
      const shot = opts.snapshot === false ? null : await snapshotFor(ev);
      const v = lifecycle.handle(ev, shot);
      if (!v) throw new Error(`the lifecycle recorded nothing for a line crossing on ${camera}`);
      return v;
    },
    gathering: async (camera, count, phase = 'start') => {
      const ev: RuleEvent = {
        ...base(camera, Date.now()),
        type: 'gathering',
        phase,
        key: 'whole-frame',
        rule: { id: `${camera}-gathering`, version: 1 },
        trackIds: [1, 2, 3, 4].slice(0, count),
        boxes: people,
        people: count,
      };
      const shot = phase === 'end' ? null : await snapshotFor(ev);
      return lifecycle.handle(ev, shot);
    },
    interruptServer: async () => {
      await server.stop();
      return async () => void (await server.start(Number(new URL(url).port)));
    },
    stop: async () => {
      await server.stop();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
