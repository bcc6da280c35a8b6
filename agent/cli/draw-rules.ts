/**
 * `qmon draw-rules --config FILE --camera ID --out file.png [--frame-at SECONDS]`: one current
 * frame of a camera with its zones, lines (and which way each line's violation goes) and floor
 * calibration drawn on it, so an installer can check the config against the real picture.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { ConfigError, loadConfig, type CameraConfig, type Point } from '../config/index.js';
import { isOnvifError, resolveOnvifStream, RtspAuthProxy } from '../camera/index.js';
import { classifyFfmpegExit, ffmpegEnv } from '../decode/index.js';
import { redactText } from '../ops/index.js';
import { leftNormal } from '../rules/index.js';
import { helpRequested, printHelp } from './help.js';
import { UserError } from './user-error.js';

const USAGE = 'usage: qmon draw-rules --config FILE --camera ID --out FILE.png [--frame-at SECONDS]';
const GRAB_TIMEOUT_MS = 30_000;
const RTSP_IO_TIMEOUT_US = '10000000';

export async function drawRulesCommand(argv: string[]): Promise<number> {
  if (helpRequested(argv)) {
    return printHelp(`${USAGE}
  Grab one frame from the camera and draw its zones, lines with their "in" arrows and
  calibration on it, so an installer can check them.`);
  }
  let values: { config?: string; camera?: string; out?: string; 'frame-at'?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { config: { type: 'string', short: 'c' }, camera: { type: 'string' }, out: { type: 'string', short: 'o' }, 'frame-at': { type: 'string' } },
    }));
  } catch (e) {
    throw new UserError(`${(e as Error).message}\n${USAGE}`, 2);
  }
  const { config: file, camera: cameraId, out } = values;
  if (!file || !cameraId || !out) throw new UserError(USAGE, 2);
  const frameAt = values['frame-at'] === undefined ? 0 : Number(values['frame-at']);
  if (!Number.isFinite(frameAt) || frameAt < 0) throw new UserError(`--frame-at: expected seconds >= 0, got "${values['frame-at']}"`, 2);
  if (!out.toLowerCase().endsWith('.png')) throw new UserError(`--out: expected a .png file name, got "${out}"`, 2);
  if (!existsSync(dirname(out) || '.')) throw new UserError(`--out: folder ${dirname(out)} does not exist`);

  const config = await loadConfig(file).catch((e: unknown) => {
    throw e instanceof ConfigError ? new UserError(e.format()) : e;
  });
  const cam = config.cameras.find((c) => c.id === cameraId);
  if (!cam) throw new UserError(`no camera "${cameraId}" in ${file} (cameras: ${config.cameras.map((c) => c.id).join(', ') || 'none'})`);

  const { width, height } = cam.detect;
  const frame = await grabFrame(cam, frameAt);
  const svg = overlaySvg(cam);
  const png = await sharp(frame, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .removeAlpha() // the overlay's alpha is spent; an installer's viewer needs no transparency
    .png()
    .toBuffer();
  // Temp file and rename: a half-written PNG is never left under the name the installer opens.
  const tmp = join(dirname(out), `.${basename(out)}.${process.pid}.tmp`);
  try {
    await writeFile(tmp, png);
    await rename(tmp, out);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new UserError(`could not write ${out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const r = cam.rules;
  process.stdout.write(
    `${out}: ${width}×${height}, camera ${cam.id}: ${r.lines.length} line(s), ${r.zones.length} zone(s)` +
      `${r.distancing?.calibration ? ', floor calibration' : ''}\n`,
  );
  return 0;
}

/** An `onvif:` source asked for its stream URI, once, as `qmon run` does (what `discover --write` writes). */
async function rtspOfOnvif(cam: CameraConfig): Promise<Exclude<CameraConfig['source'], { kind: 'onvif' }>> {
  const s = cam.source;
  if (s.kind !== 'onvif') return s;
  try {
    const r = await resolveOnvifStream({ address: s.address, port: s.port, username: s.username, password: s.password, profile: s.profile });
    return { kind: 'rtsp', url: r.url, redactedUrl: r.redactedUrl, transport: 'tcp' };
  } catch (e) {
    const why = isOnvifError(e) ? `${e.code}: ${e.message}` : (e as Error).message;
    throw new UserError(`camera ${cam.id}: could not get the stream address from ONVIF at ${s.address}:${s.port}: ${redactText(why)}`);
  }
}

/** One frame of the camera at its detect size, rgb24, via the system ffmpeg. */
async function grabFrame(cam: CameraConfig, atS: number): Promise<Buffer> {
  const { width, height } = cam.detect;
  const src = await rtspOfOnvif(cam);
  let input: string[];
  let login: RtspAuthProxy | null = null;
  let url: string | undefined;
  if (src.kind === 'file') {
    const st = await stat(src.path).catch(() => null);
    if (!st?.isFile()) throw new UserError(`camera ${cam.id}: video file not found: ${src.path}`);
    input = ['-ss', String(atS), '-i', src.path.startsWith('/') ? src.path : `file:${src.path}`];
  } else if (src.kind === 'rtsp') {
    // The camera login stays out of ffmpeg's command line: a loopback forwarder of this process logs in for it.
    if (RtspAuthProxy.needed(src.url)) {
      login = new RtspAuthProxy(src.url);
      url = await login.start();
    }
    // A live stream cannot seek: decode and drop until --frame-at (output-side -ss).
    input = ['-rtsp_transport', src.transport, '-timeout', RTSP_IO_TIMEOUT_US, '-i', url ?? src.url, '-ss', String(atS)];
  } else {
    throw new UserError(`camera ${cam.id}: unexpected source kind`);
  }
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', ...input, '-frames:v', '1', '-an', '-vf', `scale=${width}:${height}`, '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'];
  const want = width * height * 3;
  const { stdout, stderr, code, signal } = await run('ffmpeg', args, GRAB_TIMEOUT_MS).finally(() => login?.stop());
  if (stdout.length >= want) return stdout.subarray(0, want);
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  const classified = code === 0 ? null : classifyFfmpegExit(lines, { inputKind: src.kind, exitCode: code, signal });
  const why =
    classified?.message ??
    (code === 0
      ? `no frame at ${atS} s${src.kind === 'file' ? ' (is the clip shorter?)' : ''}`
      : redactText(lines.at(-1) ?? `ffmpeg exited with ${signal ?? code}`));
  throw new UserError(`camera ${cam.id}: could not grab a frame: ${why}`);
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ stdout: Buffer; stderr: string; code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: ffmpegEnv() });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err = (err + b.toString('utf8')).slice(-8192)));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(e.code === 'ENOENT' ? new UserError('ffmpeg was not found; install it with `apt-get install ffmpeg`') : e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out), stderr: err, code, signal });
    });
  });
}

const ZONE_COLOUR = '#ffb000';
const LINE_COLOUR = '#ff2d2d';
const CALIB_COLOUR = '#00e5ff';

/** The rules of `cam` as an SVG of its detect size (coordinates are already detect pixels). */
export function overlaySvg(cam: CameraConfig): string {
  const { width, height } = cam.detect;
  const c: Canvas = { width, height, unit: Math.max(width, height) / 640 };
  const u = c.unit;
  const parts: string[] = [];
  const r = cam.rules;
  for (const z of r.zones) {
    const tags = [z.intrusion && 'intrusion', z.loitering_s !== null && `loitering ${z.loitering_s}s`, r.gathering?.zone === z.id && `gathering > ${r.gathering.max_people}`].filter(Boolean);
    parts.push(`<polygon points="${pts(z.polygon)}" fill="${ZONE_COLOUR}" fill-opacity="0.25" stroke="${ZONE_COLOUR}" stroke-width="${2 * u}"/>`);
    const top = z.polygon.reduce((a, b) => (b[1] < a[1] ? b : a));
    parts.push(label(c, `zone ${z.id}${tags.length ? ` (${tags.join(', ')})` : ''}`, top[0] + 4 * u, top[1] + 16 * u, ZONE_COLOUR));
  }
  if (r.gathering?.zone === 'whole-frame') parts.push(label(c, `gathering > ${r.gathering.max_people} (whole frame)`, 8 * u, height - 10 * u, ZONE_COLOUR));
  const cal = r.distancing?.calibration;
  if (cal) {
    parts.push(`<polygon points="${pts(cal.image)}" fill="none" stroke="${CALIB_COLOUR}" stroke-width="${2 * u}" stroke-dasharray="${8 * u} ${6 * u}"/>`);
    cal.image.forEach((p, i) => parts.push(label(c, `(${cal.floor[i]![0]}, ${cal.floor[i]![1]}) m`, p[0] + 4 * u, p[1] - 4 * u, CALIB_COLOUR)));
  }
  for (const l of r.lines) {
    const [a, b] = l.points;
    parts.push(`<line x1="${a[0]}" y1="${a[1]}" x2="${b[0]}" y2="${b[1]}" stroke="${LINE_COLOUR}" stroke-width="${5 * u}" stroke-linecap="round"/>`);
    const mid: Point = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    const n = leftNormal(a, b); // towards the `in` side, as drawn on screen
    const dirs = l.direction === 'both' ? (['in', 'out'] as const) : [l.direction];
    for (const d of dirs) parts.push(arrow(c, mid, d === 'in' ? n : [-n[0], -n[1]], d));
    parts.push(label(c, `line ${l.id}`, a[0] + 6 * u, a[1] + 16 * u, LINE_COLOUR));
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="DejaVu Sans, sans-serif">${parts.join('')}</svg>`
  );
}

/** An arrow from `from` along the unit vector `dir`, labelled beyond its tip ("in"/"out"). */
function arrow(c: Canvas, from: Point, dir: Point, text: string): string {
  const u = c.unit;
  const len = 48 * u;
  const head = 14 * u;
  const tip: Point = [from[0] + dir[0] * len, from[1] + dir[1] * len];
  const base: Point = [tip[0] - dir[0] * head, tip[1] - dir[1] * head];
  const side: Point = [-dir[1] * head * 0.6, dir[0] * head * 0.6];
  const start: Point = [from[0] + dir[0] * 8 * u, from[1] + dir[1] * 8 * u];
  // The label grows away from the arrow.
  const anchor = dir[0] > 0.3 ? 'start' : dir[0] < -0.3 ? 'end' : 'middle';
  const below = dir[1] > 0.5 ? 10 * u : 0;
  return (
    `<line x1="${start[0]}" y1="${start[1]}" x2="${base[0]}" y2="${base[1]}" stroke="${LINE_COLOUR}" stroke-width="${4 * u}"/>` +
    `<polygon points="${pts([tip, [base[0] + side[0], base[1] + side[1]], [base[0] - side[0], base[1] - side[1]]])}" fill="${LINE_COLOUR}"/>` +
    label(c, text, tip[0] + dir[0] * 6 * u, tip[1] + dir[1] * 6 * u + 5 * u + below, LINE_COLOUR, anchor)
  );
}

interface Canvas {
  readonly width: number;
  readonly height: number;
  /** Drawing sizes scale with the picture: 1 at 640 px. */
  readonly unit: number;
}

/** Text with a dark outline so it reads on any picture, kept inside the picture. */
function label(c: Canvas, text: string, x: number, y: number, colour: string, anchor: 'start' | 'middle' | 'end' = 'start'): string {
  const size = 14 * c.unit;
  const w = text.length * 0.62 * size; // DejaVu Sans Bold averages about 0.62 em per character
  const left = anchor === 'start' ? x : anchor === 'end' ? x - w : x - w / 2;
  const shift = left < 2 ? 2 - left : left + w > c.width - 2 ? c.width - 2 - (left + w) : 0;
  const cy = Math.min(Math.max(y, size + 2), c.height - 4);
  return (
    `<text x="${x + shift}" y="${cy}" text-anchor="${anchor}" font-size="${size}" font-weight="bold" fill="${colour}" stroke="#000" ` +
    `stroke-width="${3 * c.unit}" paint-order="stroke">${escapeXml(text)}</text>`
  );
}

function pts(points: readonly Point[]): string {
  return points.map((p) => `${p[0]},${p[1]}`).join(' ');
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
