/** Schema of one `cameras[]` entry: where its video comes from, how it is decoded, and its rules. */
import { z } from 'zod';
import { describeValue } from './describe.js';
import { redactText } from '../ops/index.js';
import { displayName, seconds, text } from './schema-common.js';
import { rulesSchema } from './schema-rules.js';

/** `rtsp://` or `rtsps://`, with a host and without credentials (those go beside it). */
const rtspUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `expected an rtsp:// URL, got ${describeValue(redactText(value))}` });
    return;
  }
  if (url.protocol !== 'rtsp:' && url.protocol !== 'rtsps:') {
    ctx.addIssue({ code: 'custom', message: `expected an rtsp:// or rtsps:// URL, got ${describeValue(redactText(value))}` });
  } else if (url.hostname === '') {
    ctx.addIssue({ code: 'custom', message: 'the URL has no host' });
  } else if (url.username !== '' || url.password !== '') {
    // The URL itself is not echoed: it holds a password.
    ctx.addIssue({
      code: 'custom',
      message: 'credentials do not belong in the URL (it ends up in logs); give username and password (env:NAME) beside rtsp',
    });
  }
});

/** Host name or IP address only: the ONVIF service path and the port are found or given separately. */
const hostOnly = text.superRefine((value, ctx) => {
  if (!/^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$/.test(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a host name or IP address (no scheme, port or path, e.g. 192.168.10.21), got ${describeValue(redactText(value))}`,
    });
  }
});

const port = z.number().int().min(1).max(65535);

const onvifSource = z.strictObject({
  address: hostOnly,
  port: port.default(80),
  username: text,
  password: text,
  /** `sub` (the low-resolution stream) is what detection at 768 px needs; `main` costs decode time. */
  profile: z.enum(['main', 'sub']).default('sub'),
});

/** `file: PATH` is shorthand for `file: { path: PATH, loop: true }`. */
const fileSource = z.preprocess(
  (v) => (typeof v === 'string' ? { path: v } : v),
  z.strictObject({ path: text, loop: z.boolean().default(true) }),
);

const SOURCE_KINDS = ['rtsp', 'onvif', 'file'] as const;

export const sourceSchema = z
  .strictObject({
    rtsp: rtspUrl.optional(),
    /** Beside `rtsp` only; ONVIF credentials live inside `onvif`. */
    username: text.optional(),
    password: text.optional(),
    transport: z.enum(['tcp', 'udp']).optional(),
    onvif: onvifSource.optional(),
    file: fileSource.optional(),
  })
  .superRefine((s, ctx) => {
    const given = SOURCE_KINDS.filter((k) => s[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `expected exactly one of rtsp, onvif, file, got ${given.length === 0 ? 'none' : given.join(' and ')}`,
      });
    }
    if (s.rtsp === undefined) {
      for (const k of ['username', 'password', 'transport'] as const) {
        if (s[k] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [k],
            message: `only used with rtsp${k === 'transport' ? '' : ' (ONVIF credentials go inside onvif)'}`,
          });
        }
      }
      return;
    }
    if (s.password !== undefined && s.username === undefined) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: 'password given without username' });
    }
    if (s.username !== undefined && s.password === undefined) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'username given without password' });
    }
    if (s.username?.includes(':')) {
      // ffmpeg splits user:pass at the first colon after URL-decoding, so no encoding can carry it.
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'an RTSP username cannot contain ":"' });
    }
  });

/** Even dimensions: the ffmpeg scaler and yuv420 chroma need them. */
function evenPixels(max: number) {
  return z
    .number()
    .int()
    .min(16)
    .max(max)
    .multipleOf(2, { error: (iss) => `expected an even number of pixels, got ${describeValue(iss.input)}` });
}

export const detectSchema = z.strictObject({
  fps: z.number().min(1).max(30).default(5),
  width: evenPixels(1920),
  height: evenPixels(1080),
  /**
   * `regions` (default): the detector looks only around tracked persons and motion, stationary persons are re-checked
   * every 10 s (agent/vision/README.md: same recall, ~40 % less CPU on quiet cameras); `full`: whole frames, with the
   * frame-level motion gate.
   */
  mode: z.enum(['full', 'regions']).default('regions'),
});

const sizeSchema = z.tuple([z.number().int().positive(), z.number().int().positive()], {
  error: (iss) => `expected [width, height] of the picture the coordinates refer to, got ${describeValue(iss.input)}`,
});

export const healthSchema = z.strictObject({
  stall_s: seconds.default(20),
  offline_after_s: seconds.default(60),
  frozen_s: seconds.default(60),
});

export const cameraSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]{1,32}$/, {
    error: (iss) => `expected 1-32 lowercase letters, digits or "-", got ${describeValue(iss.input)}`,
  }),
  name: displayName.optional(),
  /** A disabled camera stays in the config (and is reported `disabled` to the hub) but is not opened. */
  enabled: z.boolean().default(true),
  source: sourceSchema,
  detect: detectSchema,
  /** Reference resolution of every coordinate under `rules`; defaults to the detect size. */
  size: sizeSchema.optional(),
  health: healthSchema.prefault({}),
  hwaccel: z.enum(['auto', 'none', 'vaapi', 'qsv']).default('none'),
  /**
   * Who keeps the full detect rate when the box cannot carry every camera: `low` cameras are slowed first (evenly),
   * then `normal`, `high` last (exit lines and perimeter cameras). See agent/pipeline/README.md.
   */
  priority: z.enum(['high', 'normal', 'low']).default('normal'),
  rules: rulesSchema.prefault({}),
});

export type ParsedCamera = z.output<typeof cameraSchema>;
export type ParsedSource = z.output<typeof sourceSchema>;
