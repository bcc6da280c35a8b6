/**
 * Turns the validated file into what the stages use: absolute paths, secret values, RTSP URLs with
 * credentials, and rule coordinates in detect pixels. Problems found here (unset env vars,
 * unreadable files) are reported with their key paths like every other config problem.
 */
import { access, constants, stat } from 'node:fs/promises';
import { REDACTED } from '../ops/index.js';
import type { ParsedConfig } from './schema.js';
import { loopbackListen, PERSON_MIN_SCORE_FOR_SIDE, parseHubUrl, parseListen } from './schema.js';
import type { ParsedCamera, ParsedSource } from './schema-camera.js';
import type { IssueSink, KeyPath } from './issue-sink.js';
import { parseSecretRef, readTextFile, resolvePath, resolveSecret, type SecretContext } from './secrets.js';
import { parseTimeWindow } from './time-window.js';
import { resolveHubPublicKey, resolveSigningKey } from './keys.js';
import type { AppConfig, CameraConfig, CameraSource, HubConfig, HubTls, LocalConfig, Point, RulesConfig } from './types.js';

export interface ResolveContext extends SecretContext {
  readonly sink: IssueSink;
}

const LITERAL_WARNING = 'literal password in the config file; use env:NAME or file:/path';

async function secret(value: string, path: KeyPath, ctx: ResolveContext): Promise<string | undefined> {
  const r = await resolveSecret(value, ctx);
  if (!r.ok) {
    ctx.sink.error(path, r.error);
    return undefined;
  }
  if (r.ref.kind === 'literal') ctx.sink.warn(path, LITERAL_WARNING);
  return r.value;
}

/** A TLS file given as a path, `file:PATH` or `env:NAME`: its normalised reference and its PEM text. */
async function tlsFile(value: string, path: KeyPath, ctx: ResolveContext): Promise<{ ref: string; pem: string } | undefined> {
  if (value.startsWith('-----BEGIN')) {
    ctx.sink.error(path, 'expected a file path (or env:NAME), not the PEM text itself; put it in a file');
    return undefined;
  }
  const ref = parseSecretRef(value);
  if ('error' in ref) {
    ctx.sink.error(path, ref.error);
    return undefined;
  }
  let normalised: string;
  let pem: string;
  if (ref.kind === 'env') {
    const r = await resolveSecret(value, ctx);
    if (!r.ok) {
      ctx.sink.error(path, r.error);
      return undefined;
    }
    normalised = value;
    pem = r.value;
  } else {
    const file = resolvePath(ctx.baseDir, ref.kind === 'file' ? ref.path : value);
    const read = await readTextFile(file);
    if (!read.ok) {
      ctx.sink.error(path, `cannot read ${file}: ${read.reason}`);
      return undefined;
    }
    normalised = file;
    pem = read.text;
  }
  if (!pem.includes('-----BEGIN ')) {
    ctx.sink.error(path, `${normalised} is not PEM text (expected "-----BEGIN …"; convert DER with openssl)`);
    return undefined;
  }
  return { ref: normalised, pem };
}

async function resolveHub(cfg: ParsedConfig['hub'], ctx: ResolveContext): Promise<HubConfig | undefined> {
  const parsed = parseHubUrl(cfg.url);
  if (parsed === undefined) return undefined; // already reported by the schema
  const base = {
    url: cfg.url,
    mode: parsed.mode,
    heartbeat_s: cfg.heartbeat_s,
    replay_rate_per_s: cfg.replay_rate_per_s,
    snapshot_upload: cfg.snapshot_upload,
    upload_port: cfg.upload_port,
  };
  if (parsed.mode === 'embedded') return { ...base, tls: null };
  const password = cfg.password === undefined ? undefined : await secret(cfg.password, ['hub', 'password'], ctx);
  let tls: HubTls | null = null;
  const refs: { ca?: string; cert?: string; key?: string } = {};
  if (parsed.mode === 'mqtts' && cfg.ca !== undefined) {
    const ca = await tlsFile(cfg.ca, ['hub', 'ca'], ctx);
    const cert = cfg.cert === undefined ? undefined : await tlsFile(cfg.cert, ['hub', 'cert'], ctx);
    const key = cfg.key === undefined ? undefined : await tlsFile(cfg.key, ['hub', 'key'], ctx);
    if (ca === undefined || (cfg.cert !== undefined && cert === undefined) || (cfg.key !== undefined && key === undefined)) return undefined;
    refs.ca = ca.ref;
    if (cert) refs.cert = cert.ref;
    if (key) refs.key = key.ref;
    tls = { ca: ca.pem, ...(cert && { cert: cert.pem }), ...(key && { key: key.pem }) };
  }
  if (cfg.password !== undefined && password === undefined) return undefined;
  return {
    ...base,
    host: parsed.host,
    port: parsed.port,
    ...refs,
    tls,
    ...(cfg.username !== undefined && { username: cfg.username }),
    ...(password !== undefined && { password }),
  };
}

/** The dashboard's TLS setting with the PEM text read when files are given; undefined when one cannot be read. */
async function resolveLocalTls(tls: ParsedConfig['local']['tls'], ctx: ResolveContext): Promise<LocalConfig['tls'] | undefined> {
  if (typeof tls === 'string') return tls;
  const cert = await tlsFile(tls.cert, ['local', 'tls', 'cert'], ctx);
  const key = await tlsFile(tls.key, ['local', 'tls', 'key'], ctx);
  return cert && key ? { cert: cert.pem, key: key.pem } : undefined;
}

/** Inserts URL-encoded credentials (ffmpeg URL-decodes them for both Basic and Digest auth). */
export function rtspWithCredentials(url: string, username: string, password: string): string {
  const m = /^(rtsps?:\/\/)(.*)$/i.exec(url);
  if (!m) throw new Error('not an rtsp URL'); // the schema rejected these already
  return `${m[1]}${encodeURIComponent(username)}:${encodeURIComponent(password)}@${m[2]}`;
}

async function resolveSource(src: ParsedSource, path: KeyPath, ctx: ResolveContext): Promise<CameraSource | undefined> {
  if (src.file !== undefined) {
    const file = resolvePath(ctx.baseDir, src.file.path);
    try {
      await access(file, constants.R_OK);
    } catch {
      ctx.sink.error([...path, 'file'], `cannot read video file ${file}`);
      return undefined;
    }
    // A folder is readable too, but ffmpeg fails on it at run time ("Is a directory") with the camera just offline.
    if ((await stat(file)).isDirectory()) {
      ctx.sink.error([...path, 'file'], `${file} is a folder; expected a video file`);
      return undefined;
    }
    return { kind: 'file', path: file, loop: src.file.loop };
  }
  if (src.onvif !== undefined) {
    const o = src.onvif;
    const password = await secret(o.password, [...path, 'onvif', 'password'], ctx);
    if (password === undefined) return undefined;
    return { kind: 'onvif', address: o.address, port: o.port, username: o.username, password, profile: o.profile };
  }
  if (src.rtsp === undefined) return undefined; // "exactly one of" was reported by the schema
  const transport = src.transport ?? 'tcp';
  if (src.username === undefined || src.password === undefined) {
    return { kind: 'rtsp', url: src.rtsp, redactedUrl: src.rtsp, transport };
  }
  const password = await secret(src.password, [...path, 'password'], ctx);
  if (password === undefined) return undefined;
  return {
    kind: 'rtsp',
    url: rtspWithCredentials(src.rtsp, src.username, password),
    redactedUrl: rtspWithCredentials(src.rtsp, src.username, REDACTED),
    transport,
  };
}

/** Scales rule coordinates from the reference `size` to detect pixels; multiply first so exact ratios stay exact. */
function scaleRules(rules: ParsedCamera['rules'], from: readonly [number, number], to: readonly [number, number]): RulesConfig {
  const sp = (p: readonly [number, number]): Point => [(p[0] * to[0]) / from[0], (p[1] * to[1]) / from[1]];
  const d = rules.distancing;
  const calibration =
    d?.calibration === undefined
      ? null
      : {
          image: [sp(d.calibration.image[0]), sp(d.calibration.image[1]), sp(d.calibration.image[2]), sp(d.calibration.image[3])] as const,
          floor: d.calibration.floor,
        };
  return {
    lines: rules.lines.map((l) => ({ ...l, name: l.name ?? null, severity: l.severity ?? null, points: [sp(l.points[0]), sp(l.points[1])] as const })),
    zones: rules.zones.map((z) => ({
      id: z.id,
      name: z.name ?? null,
      polygon: z.polygon.map(sp),
      intrusion: z.intrusion,
      loitering_s: z.loitering_s ?? null,
      inertia: z.inertia,
      severity: z.severity ?? null,
    })),
    gathering: rules.gathering ? { ...rules.gathering, severity: rules.gathering.severity ?? null } : null,
    distancing:
      d === undefined
        ? null
        : {
            min_distance_m: d.min_distance_m,
            min_duration_s: d.min_duration_s,
            calibration,
            severity: d.severity ?? null,
            enabled: calibration !== null,
            disabled_reason: calibration === null ? 'no calibration: distances in metres need 4 image points with their floor positions' : null,
          },
    mask: rules.mask.enabled,
    tamper: rules.tamper.enabled,
    mask_severity: rules.mask.severity ?? null,
    tamper_severity: rules.tamper.severity ?? null,
    schedule: {
      allow_lines: rules.schedule.allow_lines.map(parseTimeWindow),
      allow_zones: rules.schedule.allow_zones.map(parseTimeWindow),
    },
  };
}

async function resolveCamera(cam: ParsedCamera, path: KeyPath, ctx: ResolveContext): Promise<CameraConfig | undefined> {
  const source = await resolveSource(cam.source, [...path, 'source'], ctx);
  if (source === undefined) return undefined;
  const detect: [number, number] = [cam.detect.width, cam.detect.height];
  const size = cam.size ?? detect;
  return {
    id: cam.id,
    ...(cam.name !== undefined && { name: cam.name }),
    enabled: cam.enabled,
    source,
    detect: cam.detect,
    size,
    health: cam.health,
    hwaccel: cam.hwaccel,
    priority: cam.priority,
    rules: scaleRules(cam.rules, size, detect),
  };
}

function localConfig(local: ParsedConfig['local'], listen: { host: string; port: number }, tls: LocalConfig['tls'], metricsToken: string | undefined): LocalConfig {
  const { metrics_listen: machineSpec, metrics_token: _tokenRef, ...rest } = local;
  const machine = loopbackListen(listen, machineSpec);
  return { ...rest, ...listen, tls, ...(metricsToken !== undefined && { metrics_token: metricsToken }), ...(machine !== null && { metrics_listen: machine }) };
}

/** The loaded config, or undefined when something could not be resolved (reported to `ctx.sink`). */
export async function resolveConfig(cfg: ParsedConfig, ctx: ResolveContext): Promise<AppConfig | undefined> {
  const hub = await resolveHub(cfg.hub, ctx);
  const cameras = await Promise.all(cfg.cameras.map((c, i) => resolveCamera(c, ['cameras', i], ctx)));
  const listen = parseListen(cfg.local.listen);
  const localTls = await resolveLocalTls(cfg.local.tls, ctx);
  const { signing_key: signingRef, ...facility } = cfg.facility;
  const signingKey = signingRef === undefined ? undefined : await resolveSigningKey(signingRef, ctx);
  const hubKey = cfg.hub.public_key === undefined ? undefined : await resolveHubPublicKey(cfg.hub.public_key, ctx);
  const metricsToken = cfg.local.metrics_token === undefined ? undefined : await secret(cfg.local.metrics_token, ['local', 'metrics_token'], ctx);
  if (cfg.local.metrics_token !== undefined && metricsToken === undefined) return undefined;
  if (hub === undefined || listen === undefined || localTls === undefined || cameras.some((c) => c === undefined)) return undefined;
  if ((signingRef !== undefined && signingKey === undefined) || (cfg.hub.public_key !== undefined && hubKey === undefined)) return undefined;
  return {
    facility: { ...facility, ...(signingKey !== undefined && { signing_key: signingKey }) },
    hub: { ...hub, ...(hubKey !== undefined && { public_key: hubKey }) },
    storage: { ...cfg.storage, dir: resolvePath(ctx.baseDir, cfg.storage.dir) },
    local: localConfig(cfg.local, listen, localTls, metricsToken),
    models: {
      ...cfg.models,
      person: { input_side: cfg.models.person.input_side, min_score: cfg.models.person.min_score ?? PERSON_MIN_SCORE_FOR_SIDE[cfg.models.person.input_side] },
    },
    cameras: cameras as CameraConfig[],
  };
}
