/**
 * A fingerprint of the effective configuration for the hub's birth message, so the hub can tell
 * which facilities run which settings. Secrets are masked before hashing: a hash of a short
 * camera password could be brute-forced, and a password rotation is not a settings change.
 */
import { createHash } from 'node:crypto';
import { REDACTED } from '../ops/index.js';
import type { AppConfig, CameraSource, HubConfig } from './types.js';

function redactSource(s: CameraSource): CameraSource {
  switch (s.kind) {
    case 'rtsp':
      return { ...s, url: s.redactedUrl };
    case 'onvif':
      return { ...s, password: REDACTED };
    default:
      return s;
  }
}

function redactHub(h: HubConfig): HubConfig {
  return {
    ...h,
    ...(h.password !== undefined && { password: REDACTED }),
    tls: h.tls === null ? null : { ...h.tls, ...(h.tls.key !== undefined && { key: REDACTED }) },
  };
}

/** The config with every secret value replaced by `***` (safe to log, print or hash). */
export function redactConfig(config: AppConfig): AppConfig {
  return {
    ...config,
    facility: config.facility.signing_key === undefined ? config.facility : { ...config.facility, signing_key: REDACTED },
    hub: redactHub(config.hub),
    local: typeof config.local.tls === 'string' ? config.local : { ...config.local, tls: { ...config.local.tls, key: REDACTED } },
    cameras: config.cameras.map((c) => ({ ...c, source: redactSource(c.source) })),
  };
}

/** JSON with object keys sorted at every depth, so equal configs give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/** sha256 (64 hex digits) of the canonical JSON of the redacted config. */
export function configHash(config: AppConfig): string {
  return createHash('sha256').update(canonicalJson(redactConfig(config))).digest('hex');
}
