import type { CameraConfig } from '../../config/index.js';
import { isOnvifError, resolveOnvifStream } from '../../camera/index.js';
import { FfmpegFrameSource, type FfmpegInput } from '../../decode/index.js';
import { redactText } from '../../ops/index.js';
import { fail, ok, type CheckResult } from './check.js';

const ONVIF_FIX: Record<string, string> = {
  unreachable: 'check the camera is powered and on this network (ping it), and its address/port in the config',
  timeout: 'the camera answers too slowly: check the network and the camera\'s load',
  auth_failed: 'fix the username/password (the env: variable in /etc/qmon/qmon.env); each wrong try counts towards lockout',
  locked: 'the camera locked the account after wrong passwords: wait, or unlock it in its web page',
};

const STREAM_FIX: Record<string, string> = {
  auth_failed: 'fix the camera\'s username/password in the RTSP URL\'s secret (env: variable in /etc/qmon/qmon.env)',
  refused: 'check the camera\'s address and RTSP port (qmon probe ADDRESS)',
  unreachable: 'check the camera is powered and on this network (ping it)',
  timeout: 'the camera did not answer in time: check the network and the camera',
  not_found: 'the stream path is wrong: run qmon probe to list the camera\'s stream URIs',
};

/** Each enabled camera: resolved (ONVIF: reachable and authenticating), then one frame read through ffmpeg. */
export async function cameraChecks(cameras: readonly CameraConfig[], opts: { ffmpegMajor?: number; timeoutMs?: number } = {}): Promise<CheckResult[]> {
  const enabled = cameras.filter((c) => c.enabled);
  return Promise.all(enabled.map((c) => cameraCheck(c, opts)));
}

async function cameraCheck(cam: CameraConfig, opts: { ffmpegMajor?: number; timeoutMs?: number }): Promise<CheckResult> {
  const name = `camera ${cam.id}`;
  const s = cam.source;
  let input: FfmpegInput;
  let via = '';
  if (s.kind === 'file') input = { kind: 'file', path: s.path, loop: false, realtime: false };
  else if (s.kind === 'rtsp') input = { kind: 'rtsp', url: s.url, transport: s.transport };
  else {
    try {
      const r = await resolveOnvifStream({ address: s.address, port: s.port, username: s.username, password: s.password, profile: s.profile });
      input = { kind: 'rtsp', url: r.url, transport: 'tcp' };
      via = `ONVIF ${s.address}:${s.port} authenticated; `;
    } catch (e) {
      const code = isOnvifError(e) ? e.code : 'error';
      return fail(name, `ONVIF ${s.address}:${s.port}: ${code}: ${redactText((e as Error).message)}`, ONVIF_FIX[code] ?? 'run qmon probe --config FILE --camera ' + cam.id);
    }
  }
  const frame = await readOneFrame(cam, input, opts);
  if (frame.ok) return ok(name, `${via}streaming (one ${cam.detect.width}x${cam.detect.height} frame read in ${frame.ms} ms)`);
  return fail(name, `${via}no frame: ${frame.why}`, (frame.kind && STREAM_FIX[frame.kind]) ?? `run qmon probe / check the camera's stream (${cam.id})`);
}

type FrameRead = { ok: true; ms: number } | { ok: false; why: string; kind?: string };

/** Starts the agent's own frame source and waits for its first frame, its exit, or the timeout, whichever is first. */
async function readOneFrame(cam: CameraConfig, input: FfmpegInput, opts: { ffmpegMajor?: number; timeoutMs?: number }): Promise<FrameRead> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const src = new FfmpegFrameSource({
    cameraId: cam.id,
    input,
    output: { width: cam.detect.width, height: cam.detect.height, fps: cam.detect.fps, format: 'rgb24' },
    ...(opts.ffmpegMajor !== undefined && { ffmpegMajor: opts.ffmpegMajor }),
  });
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await new Promise<FrameRead>((resolve) => {
    src.once('frame', () => resolve({ ok: true, ms: Date.now() - started }));
    void src.exited.then((exit) =>
      resolve(exit.error ? { ok: false, why: exit.error.message, kind: exit.error.kind } : { ok: false, why: `ffmpeg ended after ${exit.frames} frame(s)` }),
    );
    timer = setTimeout(() => resolve({ ok: false, why: `no frame within ${timeoutMs} ms`, kind: 'timeout' }), timeoutMs);
    src.start();
  });
  clearTimeout(timer);
  await src.stop();
  return outcome;
}
