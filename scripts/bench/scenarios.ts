/** The benchmark scenarios `npm run bench` knows; each returns JSON-able result rows (never asserts). */
import { benchDetector } from './detector.js';
import { benchCamera } from './camera.js';
import { benchDashboard } from './dashboard.js';
import { runAgentStep, sceneFile, type RssSample } from './capacity-agent.js';
import { benchCapacity } from './capacity.js';
import { benchHub, benchHubCommit, benchHubFleet } from './hub.js';
import { benchHubUi } from './hub-ui.js';
import { benchOutbox } from './outbox.js';
import { benchOverhead } from './overhead.js';
import { benchSnapshot } from './snapshot.js';
import { benchCameras, benchFaceMask, benchVisionStage } from './vision.js';

export interface Scenario {
  readonly name: string;
  readonly description: string;
  run(): Promise<Record<string, unknown>[]>;
}

type Row = Record<string, unknown> & { scenario: string };

/** Alert streamed → its context picture streamed, the agent as it runs with busy cameras (the pipeline issue's load). */
async function benchContextLatency(): Promise<Row> {
  const n = Number(process.env.DASHBOARD_CONTEXT_CAMERAS ?? 8);
  if (!(Number.isInteger(n) && n >= 1 && n <= 32)) throw new RangeError('DASHBOARD_CONTEXT_CAMERAS must be an integer 1..32');
  const step = await runAgentStep('busy', n, 60, await sceneFile('busy', ''));
  return {
    scenario: 'dashboard',
    kind: 'context-latency',
    cameras: n,
    violations: step.violations,
    context_after_alert_p50_ms: step.context_after_alert_p50_ms,
    context_after_alert_p95_ms: step.context_after_alert_p95_ms,
    pictures: step.pictures,
    dropped_share: step.dropped_share,
    note: 'qmon run with N vtest cameras and a line across the walkway, one logged-in event stream; the time from an alert on the stream to the revision that carries its context picture (made at least 2 s after the alert, when the moments after it are there)',
  };
}

/**
 * The agent as it runs for a long stretch (busy vtest cameras with a line, pictures, dashboard): RSS of the agent and
 * of its snapshot worker every 30 s, and the growth between the second quarter and the last (after warm-up).
 */
async function benchSoak(): Promise<Row[]> {
  const n = Number(process.env.SOAK_CAMERAS ?? 8);
  const minutes = Number(process.env.SOAK_MINUTES ?? 30);
  if (!(Number.isInteger(n) && n >= 1 && n <= 32)) throw new RangeError('SOAK_CAMERAS must be an integer 1..32');
  if (!(minutes >= 1)) throw new RangeError('SOAK_MINUTES must be at least 1');
  const samples: RssSample[] = [];
  const step = await runAgentStep('busy', n, minutes * 60, await sceneFile('busy', ''), samples);
  const mean = (xs: RssSample[], k: 'agentMb' | 'workerMb') => Math.round(xs.reduce((a, x) => a + x[k], 0) / Math.max(1, xs.length));
  const q = Math.floor(samples.length / 4);
  const early = samples.slice(q, 2 * q);
  const late = samples.slice(3 * q);
  return [
    {
      scenario: 'soak',
      cameras: n,
      minutes,
      dropped_share: step.dropped_share,
      violations: step.violations,
      pictures: step.pictures,
      agent_rss_mb_second_quarter: mean(early, 'agentMb'),
      agent_rss_mb_last_quarter: mean(late, 'agentMb'),
      worker_rss_mb_second_quarter: mean(early, 'workerMb'),
      worker_rss_mb_last_quarter: mean(late, 'workerMb'),
      samples,
    },
  ];
}

export const scenarios: readonly Scenario[] = [
  {
    name: 'detector',
    description: 'person detector (CenterNet ONNX) ms per frame on real vtest.avi frames, 1 and 2 intra-op threads',
    run: async () => (await benchDetector({ frames: 60 })) as unknown as Row[],
  },
  {
    name: 'face-mask',
    description: 'face search + mask classification per person (BlazeFace + project mask classifier)',
    run: async () => [{ ...(await benchFaceMask()) }],
  },
  {
    name: 'snapshot',
    description: 'CPU per privacy-safe picture with the face check: vtest crops, a face-api sample, a 768x576 preview, a 640x480 context frame; the tile check before, for comparison',
    run: async () => (await benchSnapshot()).map((r) => ({ ...r })),
  },
  {
    name: 'vision',
    description: 'whole vision stage per frame on vtest.avi, without and with the motion gate',
    run: async () => [{ ...(await benchVisionStage({ frames: 60, gate: false })) }, { ...(await benchVisionStage({ frames: 60, gate: true })) }],
  },
  {
    name: 'cameras',
    description: 'cameras sustained at 5 detect-fps with < 1 % dropped, busy (vtest) and quiet scenes, gate off/on',
    run: async () => {
      const rows: Record<string, unknown>[] = [];
      for (const scene of ['busy', 'quiet'] as const) {
        for (const gate of [false, true]) rows.push(...(await benchCameras({ seconds: 15, fps: 5, gate, scene, maxCameras: 6 })).map((r) => ({ ...r })));
      }
      return rows;
    },
  },
  {
    name: 'capacity',
    description: 'cameras carried at 5 detect-fps with < 1 % dropped per lever (full frame, regions, stationary, threads), busy and quiet, with recall/precision on the composited set',
    run: async () => (await benchCapacity()).map((r) => ({ ...r })),
  },
  {
    name: 'overhead',
    description: "agent CPU per camera (ffmpeg + scheduler + detector + tracker at 5 fps) vs bare ffmpeg + bare inference of the same frames",
    run: () => benchOverhead(),
  },
  {
    name: 'outbox',
    description: 'outbox commit rate (synchronous=FULL), drain rate to mosquitto with the hub ACKing, 10k backlog drain, RSS over a 6 h outage',
    run: async () => (await benchOutbox()).map((r) => ({ ...r })),
  },
  {
    name: 'camera',
    description: 'ingest CPU per camera (1280x720 25 fps H.264 over RTSP → 5 detect-fps) vs bare ffmpeg, and cameras sustained',
    run: async () => await benchCamera(),
  },
  {
    name: 'soak',
    description: 'the agent as it runs for SOAK_MINUTES (default 30) with SOAK_CAMERAS (default 8) busy vtest cameras: RSS every 30 s, growth after warm-up',
    run: () => benchSoak(),
  },
  {
    name: 'dashboard',
    description:
      'guard dashboard: violation recorded → SSE message and → card drawn in Chromium (p50/p95), server RSS with 20 open streams; ' +
      'then alert → its context picture on the stream, with the agent as it runs under the busy load (DASHBOARD_CONTEXT_CAMERAS, default 8 vtest cameras, 60 s)',
    run: async () => [...(await benchDashboard()), await benchContextLatency()],
  },
  {
    name: 'hub',
    description: 'hub scale-out: events/s committed to PostgreSQL and ACKed by 1 and 2 hub processes; 2,000 facilities steady; one-hour-outage herd drain',
    run: () => benchHub(),
  },
  {
    name: 'hub-commit',
    description: 'the hub-commit half of `hub`: seqs/s committed and ACKed by 1 and 2 hub processes, and by 1 without admission',
    run: () => benchHubCommit(),
  },
  {
    name: 'hub-ui',
    description:
      "the national web view's reads on PostgreSQL: HUB_UI_FACILITIES (2,000) facilities, 5,400 cameras, HUB_UI_EVENTS (4 M) events over 30 days; overview, alert lists, facility/day, reports (p50/p95)",
    run: () => benchHubUi(),
  },
  {
    name: 'hub-fleet',
    description: 'the fleet half of `hub`: 2,000 facilities steady, and the one-hour-outage herd',
    run: () => benchHubFleet(),
  },
];
