import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentMetrics, type CameraMetricsSource, type MetricsSources } from '../../agent/ops/metrics.js';
import { CameraMetrics } from '../../agent/shared/camera-metrics.js';
import type { Detections, Frame } from '../../agent/shared/types.js';

const dir = mkdtempSync(join(tmpdir(), 'qmon-metrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WALL = Date.UTC(2026, 5, 1, 8);

function camera(id: string, frames: number, state: CameraMetricsSource['state']): CameraMetricsSource {
  const m = new CameraMetrics(id);
  Object.assign(m, { decoded: frames, handedOff: frames - 3, inferred: 60, gated: 30, restarts: 2, stalls: 1, reconnects: 4, errors: 5, picturesDeferred: 2 });
  Object.assign(m.dropped, { handoff: 3, scheduler: 10, budget: 1 });
  Object.assign(m.pictures, { made: 7, failed: 1, skipped: 2 });
  for (const ms of [20, 30, 40, 200]) m.pictureCpuMs.add(ms);
  m.contextCpuMs.add(150);
  return { id, state, metrics: m };
}

function sources(over: Partial<MetricsSources> = {}): MetricsSources {
  return {
    cameras: () => [camera('gate-1', 1200, 'online'), camera('ward-2', 7, 'offline')],
    detectFps: () => [{ cameraId: 'gate-1', outputFps: 4.5 }],
    workerRestarts: () => ({ person: 1, snapshot: 0 }),
    pictureQueue: () => 3,
    outbox: () => ({ pending: 2, sent: 1, oldestPendingAt: WALL - 90_000 }),
    uplink: () => ({ connected: true, hubOnline: null }),
    storageDir: dir,
    wall: () => WALL,
    ...over,
  };
}

/** The sample lines of one metric name, without HELP/TYPE. */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

describe('AgentMetrics (Prometheus text, read from the stages at scrape time)', () => {
  it('reports per camera frames in, drops, reconnects, stalls and state', async () => {
    const { body, contentType } = await new AgentMetrics(sources()).render();
    expect(contentType).toContain('text/plain');
    expect(samples(body, 'qmon_camera_frames_in_total')).toEqual(['qmon_camera_frames_in_total{camera="gate-1"} 1200', 'qmon_camera_frames_in_total{camera="ward-2"} 7']);
    expect(samples(body, 'qmon_camera_reconnects_total')).toContain('qmon_camera_reconnects_total{camera="gate-1"} 4');
    expect(samples(body, 'qmon_camera_stalls_total')).toContain('qmon_camera_stalls_total{camera="gate-1"} 1');
    expect(samples(body, 'qmon_camera_frames_dropped_total').filter((l) => l.includes('gate-1'))).toEqual([
      'qmon_camera_frames_dropped_total{camera="gate-1",cause="handoff"} 3',
      'qmon_camera_frames_dropped_total{camera="gate-1",cause="scheduler"} 10',
      'qmon_camera_frames_dropped_total{camera="gate-1",cause="budget"} 1',
    ]);
    expect(samples(body, 'qmon_camera_state')).toContain('qmon_camera_state{camera="ward-2",state="offline"} 1');
    expect(samples(body, 'qmon_camera_state')).toContain('qmon_camera_state{camera="ward-2",state="online"} 0');
    expect(body).toMatch(/# TYPE qmon_camera_frames_in_total counter/);
  });

  it('reports detect fps, inferred and gated frames, pictures by outcome with their CPU, worker restarts and the picture queue', async () => {
    const { body } = await new AgentMetrics(sources()).render();
    expect(samples(body, 'qmon_detect_fps')).toEqual(['qmon_detect_fps{camera="gate-1"} 4.5']);
    expect(samples(body, 'qmon_camera_frames_gated_total')).toContain('qmon_camera_frames_gated_total{camera="gate-1"} 30');
    expect(samples(body, 'qmon_camera_frames_inferred_total')).toContain('qmon_camera_frames_inferred_total{camera="gate-1"} 60');
    expect(samples(body, 'qmon_camera_frames_handed_off_total')).toContain('qmon_camera_frames_handed_off_total{camera="gate-1"} 1197');
    expect(samples(body, 'qmon_camera_pictures_total').filter((l) => l.includes('gate-1'))).toEqual([
      'qmon_camera_pictures_total{camera="gate-1",outcome="made"} 7',
      'qmon_camera_pictures_total{camera="gate-1",outcome="failed"} 1',
      'qmon_camera_pictures_total{camera="gate-1",outcome="skipped"} 2',
    ]);
    expect(samples(body, 'qmon_camera_picture_cpu_seconds').filter((l) => l.includes('gate-1'))).toEqual([
      'qmon_camera_picture_cpu_seconds{camera="gate-1",kind="snapshot",quantile="0.5"} 0.03',
      'qmon_camera_picture_cpu_seconds{camera="gate-1",kind="snapshot",quantile="0.95"} 0.2',
      'qmon_camera_picture_cpu_seconds{camera="gate-1",kind="context",quantile="0.5"} 0.15',
      'qmon_camera_picture_cpu_seconds{camera="gate-1",kind="context",quantile="0.95"} 0.15',
    ]);
    expect(samples(body, 'qmon_camera_pictures_deferred_total')).toContain('qmon_camera_pictures_deferred_total{camera="gate-1"} 2');
    expect(samples(body, 'qmon_worker_restarts_total')).toEqual(['qmon_worker_restarts_total{worker="person"} 1', 'qmon_worker_restarts_total{worker="snapshot"} 0']);
    expect(samples(body, 'qmon_picture_queue_length')).toEqual(['qmon_picture_queue_length 3']);
    // One series per fact: the scheduler's old copies of these counts are gone.
    expect(body).not.toMatch(/qmon_detect_frames_|qmon_camera_frames_lost_total/);
  });

  it('reports outbox depth and oldest age, hub state, disk free, process CPU and RSS', async () => {
    const { body } = await new AgentMetrics(sources()).render();
    expect(samples(body, 'qmon_outbox_depth')).toEqual(['qmon_outbox_depth 3']);
    expect(samples(body, 'qmon_outbox_oldest_age_seconds')).toEqual(['qmon_outbox_oldest_age_seconds 90']);
    expect(samples(body, 'qmon_hub_connected')).toEqual(['qmon_hub_connected 1']);
    expect(samples(body, 'qmon_hub_online')).toEqual(['qmon_hub_online -1']);
    expect(samples(body, 'qmon_disk_free_bytes')[0]).toMatch(new RegExp(`^qmon_disk_free_bytes\\{dir="${dir}"\\} \\d+$`));
    const free = Number(samples(body, 'qmon_disk_free_bytes')[0]?.split(' ')[1]);
    expect(free).toBeGreaterThan(0);
    expect(samples(body, 'process_cpu_seconds_total')).toHaveLength(1);
    expect(Number(samples(body, 'process_resident_memory_bytes')[0]?.split(' ')[1])).toBeGreaterThan(1_000_000);
  });

  it('follows the sources between scrapes (counters are not frozen at the first read)', async () => {
    let frames = 10;
    const m = new AgentMetrics(sources({ cameras: () => [camera('gate-1', frames, 'online')], outbox: () => ({ pending: 0, sent: 0, oldestPendingAt: null }) }));
    expect(samples((await m.render()).body, 'qmon_camera_frames_in_total')).toEqual(['qmon_camera_frames_in_total{camera="gate-1"} 10']);
    frames = 25;
    const body = (await m.render()).body;
    expect(samples(body, 'qmon_camera_frames_in_total')).toEqual(['qmon_camera_frames_in_total{camera="gate-1"} 25']);
    expect(samples(body, 'qmon_outbox_oldest_age_seconds')).toEqual(['qmon_outbox_oldest_age_seconds 0']);
  });

  it('leaves out the disk sample when the data dir cannot be read, rather than report 0', async () => {
    const { body } = await new AgentMetrics(sources({ storageDir: join(dir, 'gone') })).render();
    expect(samples(body, 'qmon_disk_free_bytes')).toEqual([]);
  });

  it('times every detector run per model, failed ones included, and counts violations by type', async () => {
    const m = new AgentMetrics(sources());
    let fail = false;
    const detector = {
      detect: (f: Frame): Promise<Detections> =>
        fail
          ? Promise.reject(new Error('onnx failed'))
          : Promise.resolve({ cameraId: f.cameraId, frameSeq: f.seq, ts: f.ts, wallTs: f.wallTs, persons: [] } as unknown as Detections),
    };
    const timed = m.timed(detector, 'centernet');
    const frame = { cameraId: 'gate-1', seq: 1, ts: 0, wallTs: WALL } as unknown as Frame;
    await timed.detect(frame);
    fail = true;
    await expect(timed.detect(frame)).rejects.toThrow('onnx failed');
    m.violationOpened('line_cross');
    m.violationOpened('line_cross');
    m.violationOpened('no_mask');
    const { body } = await m.render();
    expect(samples(body, 'qmon_inference_seconds_count')).toEqual(['qmon_inference_seconds_count{model="centernet"} 2']);
    expect(samples(body, 'qmon_violations_total')).toEqual(['qmon_violations_total{type="line_cross"} 2', 'qmon_violations_total{type="no_mask"} 1']);
  });

  it('two agents in one process keep separate series (own registry, not the global one)', async () => {
    const a = new AgentMetrics(sources());
    const b = new AgentMetrics(sources());
    a.violationOpened('tamper');
    expect(samples((await b.render()).body, 'qmon_violations_total')).toEqual([]);
  });
});
