/**
 * The whole config file's shape (CONFIG.md), in zod strict mode: an unknown key anywhere is an error.
 * This pass checks shapes and ranges only; cross-field geometry lives in semantic.ts and secrets
 * are resolved in secrets.ts, so each message comes from the place that knows why.
 */
import { z } from 'zod';
import { describeValue } from './describe.js';
import { redactText } from '../ops/index.js';
import { NO_MASK_DEFAULTS } from '../rules/index.js';
import { displayName, fraction, seconds, text } from './schema-common.js';
import { cameraSchema } from './schema-camera.js';
import { DEFAULT_UPLOAD_PORT, MAX_AGENT_CAMERAS, MIN_REPLAY_RATE_PER_S } from '../../contract/index.js';

export const facilitySchema = z.strictObject({
  id: z
    .string()
    .regex(/^[a-z0-9-]{3,32}$/, {
      error: (iss) => `expected 3-32 lowercase letters, digits or "-", got ${describeValue(iss.input)}`,
    })
    // `hub` is the topic segment of the hub's own messages (qmon/v1/hub/state).
    .refine((id) => id !== 'hub', { error: '"hub" is reserved for the hub itself' }),
  name: displayName.optional(),
  /** `file:PATH` of the facility's Ed25519 private key (PEM, 0600); see keys.ts. */
  signing_key: text.optional(),
  /** IANA zone the schedule windows are read in. */
  timezone: z
    .string()
    .default('Asia/Ho_Chi_Minh')
    .refine(isTimeZone, { error: (iss) => `expected an IANA time zone such as Asia/Ho_Chi_Minh, got ${describeValue(iss.input)}` }),
});

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The parts of `hub.url` that later checks need; undefined when it is not a usable URL. */
export function parseHubUrl(url: string): { mode: 'embedded' } | { mode: 'mqtt' | 'mqtts'; host: string; port: number } | undefined {
  if (url === 'embedded') return { mode: 'embedded' };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if ((u.protocol !== 'mqtt:' && u.protocol !== 'mqtts:') || u.hostname === '') return undefined;
  const mode = u.protocol === 'mqtt:' ? 'mqtt' : 'mqtts';
  return { mode, host: u.hostname, port: u.port === '' ? (mode === 'mqtt' ? 1883 : 8883) : Number(u.port) };
}

export const hubSchema = z
  .strictObject({
    url: z.string(),
    /** TLS files: a path (relative to this file), `file:PATH` (the same) or `env:NAME` holding the PEM. */
    ca: text.optional(),
    cert: text.optional(),
    key: text.optional(),
    username: text.optional(),
    password: text.optional(),
    heartbeat_s: z.number().min(10).max(3600).default(60),
    replay_rate_per_s: z.number().min(MIN_REPLAY_RATE_PER_S).max(1000).default(5),
    /** Whether the hub may fetch a snapshot (faces blurred) when it asks; the hub can also change it. */
    snapshot_upload: z.boolean().default(true),
    /** The only port of the hub's host the agent PUTs snapshots to (the hub's upload service). */
    upload_port: z.int().min(1).max(65_535).default(DEFAULT_UPLOAD_PORT),
    /** The hub's Ed25519 public key to pin: PEM or raw base64, inline, `file:PATH` or `env:NAME`. */
    public_key: text.optional(),
  })
  .superRefine((hub, ctx) => {
    const parsed = parseHubUrl(hub.url);
    if (parsed === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['url'],
        message: `expected "embedded" or an mqtt:// or mqtts:// URL with a host, got ${describeValue(redactText(hub.url))}`,
      });
      return;
    }
    if (parsed.mode !== 'embedded') {
      const u = new URL(hub.url);
      if (u.username !== '' || u.password !== '') {
        ctx.addIssue({
          code: 'custom',
          path: ['url'],
          message: 'credentials do not belong in the URL (it ends up in logs); use hub.username and hub.password',
        });
      }
    }
    if (hub.password !== undefined && hub.username === undefined) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'password given without username' });
    }
    if (hub.username !== undefined && hub.password === undefined) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'username given without password' });
    }
    if (hub.cert !== undefined && hub.key === undefined) {
      ctx.addIssue({ code: 'custom', path: ['key'], message: 'required with cert (the client certificate\'s private key)' });
    }
    if (hub.key !== undefined && hub.cert === undefined) {
      ctx.addIssue({ code: 'custom', path: ['cert'], message: 'required with key (the client certificate)' });
    }
    if (parsed.mode === 'mqtt') {
      for (const k of ['ca', 'cert', 'key'] as const) {
        if (hub[k] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [k], message: 'TLS files need an mqtts:// URL (this one is mqtt://)' });
        }
      }
    }
    if (parsed.mode === 'mqtts') {
      if (hub.ca === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['ca'],
          message: 'required for mqtts:// (the hub\'s CA certificate; certificate checks cannot be turned off)',
        });
      }
      if (hub.cert === undefined && hub.key === undefined && hub.username === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['cert'],
          message: 'required for mqtts:// (client certificate + key), unless username and password are given',
        });
      }
    }
  });

export const storageSchema = z.strictObject({
  /** Relative to this file's folder. */
  dir: text,
  snapshot_retention_days: z.number().positive().default(14),
  event_retention_days: z.number().positive().default(90),
  min_free_mb: z.number().min(0).default(500),
});

/** `host:port` or `[v6]:port`; port 0 = any free port (tests; the agent prints the URL it got). */
export function parseListen(listen: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(listen);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Whether `host` is a loopback address (plain HTTP is allowed only there). */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Listen hosts that answer on 127.0.0.1 themselves: a scraper on the box reaches the dashboard listener there. */
const ANSWERS_ON_127_0_0_1 = new Set(['127.0.0.1', 'localhost', '0.0.0.0', '::']);

/**
 * Where this machine reaches `GET /metrics` and `GET /healthz` besides the dashboard listener: `metrics_listen` as
 * written (`off` = nowhere), else 127.0.0.1 on the dashboard's port when `listen` does not answer on 127.0.0.1
 * itself (a LAN address refuses 127.0.0.1, and a scrape to the LAN address comes from a LAN address: 401).
 */
export function loopbackListen(listen: { host: string; port: number }, metricsListen: string | undefined): { host: string; port: number } | null {
  if (metricsListen === 'off') return null;
  if (metricsListen !== undefined) return parseListen(metricsListen) ?? null;
  return ANSWERS_ON_127_0_0_1.has(listen.host) ? null : { host: '127.0.0.1', port: listen.port };
}

/** A host name for the `Host` header check: a DNS name or an IP (no port, no scheme). */
const hostName = z.string().regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})$/, {
  error: (iss) => `expected a host name or IP such as qmon-pc.local, got ${describeValue(iss.input)}`,
});

export const localSchema = z
  .strictObject({
    listen: z
      .string()
      .default('127.0.0.1:8080')
      .refine((v) => parseListen(v) !== undefined, {
        error: (iss) => `expected host:port such as 127.0.0.1:8080, got ${describeValue(iss.input)}`,
      }),
    language: z.enum(['vi', 'en']).default('vi'),
    /**
     * `generate` (default): HTTPS with a self-signed certificate made at first start in the data dir;
     * `{cert, key}`: HTTPS with these PEM files; `off`: plain HTTP, only on a loopback listen.
     */
    tls: z.union([z.enum(['generate', 'off']), z.strictObject({ cert: text, key: text })]).default('generate'),
    /** Extra names the dashboard may be reached by (the `Host` header check), e.g. the mini-PC's LAN name. */
    public_hosts: z.array(hostName).default([]),
    session_idle_min: z.number().int().min(1).max(24 * 60).default(30),
    session_max_h: z.number().min(1).max(7 * 24).default(12),
    /** Consecutive alerts of one camera and rule, each within this many seconds of the one before, are one review item. */
    review_window_s: z.number().int().min(1).max(3600).default(120),
    /** How long acknowledged items stay on the "done" tab (a shift). */
    shift_h: z.number().min(1).max(24).default(12),
    /** A critical item unacknowledged this long escalates: louder, faster, on every screen, through a mute. */
    escalate_after_min: z.number().int().min(1).max(240).default(5),
    /** Longest a guard may mute the alarm for (per user, on the server, ended by logout). */
    mute_max_min: z.number().int().min(5).max(480).default(60),
    /** Bearer token a Prometheus server off this machine sends for `GET /metrics` (`env:NAME`/`file:PATH`); loopback needs none. */
    metrics_token: text.optional(),
    /**
     * A second listener for this machine only (plain HTTP on a loopback address): `GET /metrics` and `GET /healthz`.
     * `off`, or `host:port` on loopback; unset: 127.0.0.1 on the dashboard's port when `listen` does not answer there.
     */
    metrics_listen: z
      .string()
      .refine((v) => v === 'off' || isLoopbackHost(parseListen(v)?.host ?? ''), {
        error: (iss) => `expected off or a loopback host:port such as 127.0.0.1:9464 (plain HTTP, this machine only), got ${describeValue(iss.input)}`,
      })
      .optional(),
  })
  .superRefine((local, ctx) => {
    const listen = parseListen(local.listen);
    const machine = local.metrics_listen === undefined || local.metrics_listen === 'off' ? undefined : parseListen(local.metrics_listen);
    if (listen && machine && machine.port !== 0 && machine.port === listen.port && (machine.host === listen.host || ANSWERS_ON_127_0_0_1.has(listen.host))) {
      ctx.addIssue({ code: 'custom', path: ['metrics_listen'], message: `${local.metrics_listen} is taken by local.listen (${local.listen}), which answers this machine already; leave metrics_listen out` });
    }
    if (listen && local.tls === 'off' && !isLoopbackHost(listen.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: `"off" (plain HTTP) is allowed only on a loopback listen address; ${local.listen} is reachable from the network`,
      });
    }
  });

/** The person model's input sides with a measured threshold (agent/vision/README.md, `npm run bench -- capacity`). */
export const PERSON_INPUT_SIDES = [320, 384, 448, 512] as const;
export type PersonInputSide = (typeof PERSON_INPUT_SIDES)[number];
/**
 * The person score threshold that goes with each input side: the lowest with precision 1.0 on the hand-labelled vtest
 * frames and the composited crossings, and no person on tree.avi (measured on CenterNet, see agent/vision/README.md).
 */
export const PERSON_MIN_SCORE_FOR_SIDE: Readonly<Record<PersonInputSide, number>> = { 320: 0.32, 384: 0.34, 448: 0.4, 512: 0.4 };
export const DEFAULT_PERSON_INPUT_SIDE: PersonInputSide = 320;

/** Threshold overrides; the model files themselves come from models/models.json. */
export const modelsSchema = z.strictObject({
  person: z
    .strictObject({
      /** Default: the threshold measured to go with `input_side` (PERSON_MIN_SCORE_FOR_SIDE). */
      min_score: fraction.optional(),
      /**
       * Longest side of the person model's input for pictures up to 4:3: smaller is cheaper in proportion to the
       * pixels, and people look smaller to the model, so their scores drop; each side has its measured threshold
       * (agent/vision/README.md). Wider pictures always get the model's whole 512×512.
       */
      input_side: z
        .union(PERSON_INPUT_SIDES.map((v) => z.literal(v)) as unknown as [z.ZodLiteral<320>, z.ZodLiteral<384>, z.ZodLiteral<448>, z.ZodLiteral<512>], {
          error: (iss) => `expected one of ${PERSON_INPUT_SIDES.join(', ')} (the sides with a measured threshold), got ${describeValue(iss.input)}`,
        })
        .default(DEFAULT_PERSON_INPUT_SIDE),
    })
    .prefault({}),
  mask: z
    .strictObject({
      // The consensus is the rules stage's (no-mask.ts); min_face_px is vision's face-size floor.
      threshold: fraction.default(NO_MASK_DEFAULTS.threshold),
      min_samples: z.number().int().min(1).default(NO_MASK_DEFAULTS.min_samples),
      agreement: fraction.default(NO_MASK_DEFAULTS.agreement),
      min_face_px: z.number().int().min(1).default(24),
      clear_s: seconds.default(NO_MASK_DEFAULTS.clear_s),
    })
    .prefault({}),
});

export const configSchema = z.strictObject({
  facility: facilitySchema,
  hub: hubSchema,
  storage: storageSchema,
  local: localSchema.prefault({}),
  models: modelsSchema.prefault({}),
  cameras: z
    .array(cameraSchema, { error: (iss) => `expected a list of cameras, got ${describeValue(iss.input)}` })
    .min(1, { error: 'expected at least 1 camera' })
    // The heartbeat reports every camera and carries at most this many (docs/hub-contract.md, limits).
    .max(MAX_AGENT_CAMERAS, { error: (iss) => `expected at most ${MAX_AGENT_CAMERAS} cameras per agent, got ${(iss.input as unknown[]).length}; run another agent for the rest` }),
});

/** The file after the zod pass: defaults filled in, nothing resolved yet. */
export type ParsedConfig = z.output<typeof configSchema>;
