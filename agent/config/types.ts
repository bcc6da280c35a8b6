/**
 * The loaded configuration: the YAML's own snake_case keys with defaults filled in, plus fields the
 * loader resolved (absolute paths, secrets, RTSP URLs, coordinates in detect pixels).
 */

import type * as Rules from '../rules/index.js';
import type { Severity } from '../shared/types.js';

/** `[x, y]`; in detect pixels once loaded (unless stated otherwise). */
export type Point = Rules.Point;

export interface FacilityConfig {
  readonly id: string;
  readonly name?: string;
  /** IANA time zone for schedule windows; default `Asia/Ho_Chi_Minh`. */
  readonly timezone: string;
  /** Resolved: PEM text of the facility's Ed25519 private key (secret); events and announcements are signed with it. */
  readonly signing_key?: string;
}

/** PEM text of the TLS files, read at load time. */
export interface HubTls {
  readonly ca: string;
  readonly cert?: string;
  /** Secret. */
  readonly key?: string;
}

export interface HubConfig {
  /** As written: `embedded` or an `mqtt://` / `mqtts://` URL (never with credentials). */
  readonly url: string;
  /** Resolved from `url`. */
  readonly mode: 'embedded' | 'mqtt' | 'mqtts';
  /** Resolved broker host and port (1883 / 8883 by default); absent for `embedded`. */
  readonly host?: string;
  readonly port?: number;
  /** TLS file references, normalised: an absolute path, or `env:NAME`. */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  /** Resolved: the PEM contents for `mqtts`, otherwise null. */
  readonly tls: HubTls | null;
  readonly username?: string;
  /** Resolved secret value. */
  readonly password?: string;
  readonly heartbeat_s: number;
  readonly replay_rate_per_s: number;
  readonly snapshot_upload: boolean;
  /** Port of the hub's snapshot upload service (an upload_url on any other port is refused). */
  readonly upload_port: number;
  /** Resolved: the pinned hub public key (raw base64); ACKs, commands and hub/state not signed by it are dropped. */
  readonly public_key?: string;
}

export interface StorageConfig {
  /** Resolved: absolute (relative paths are relative to the config file's folder). */
  readonly dir: string;
  readonly snapshot_retention_days: number;
  readonly event_retention_days: number;
  readonly min_free_mb: number;
}

export interface LocalConfig {
  /** As written, e.g. `127.0.0.1:8080`. */
  readonly listen: string;
  /** Resolved from `listen` (IPv6 without brackets). */
  readonly host: string;
  readonly port: number;
  readonly language: 'vi' | 'en';
  /** `generate`: self-signed in the data dir; `off`: plain HTTP (loopback only); else PEM text of cert and key. */
  readonly tls: 'generate' | 'off' | { readonly cert: string; readonly key: string };
  readonly public_hosts: readonly string[];
  readonly session_idle_min: number;
  readonly session_max_h: number;
  /** Alerts of one camera and rule, each within this many seconds of the previous, form one review item. */
  readonly review_window_s: number;
  /** Hours an acknowledged item stays on the dashboard's "done" tab. */
  readonly shift_h: number;
  /** Minutes a critical item may stay unacknowledged before the alarm escalates. */
  readonly escalate_after_min: number;
  /** Longest mute a guard may set. */
  readonly mute_max_min: number;
  /** Resolved secret: `Authorization: Bearer` value that opens `GET /metrics` to non-loopback scrapers. */
  readonly metrics_token?: string;
  /**
   * The loopback listener for `/metrics` and `/healthz` (plain HTTP), resolved from `metrics_listen` and `listen`;
   * absent when the dashboard listener answers on 127.0.0.1 itself or `metrics_listen: off`.
   */
  readonly metrics_listen?: { readonly host: string; readonly port: number };
}

export interface ModelsConfig {
  readonly person: { readonly min_score: number; readonly input_side: 320 | 384 | 448 | 512 };
  /** The rules' mask consensus, plus vision's smallest face worth classifying. */
  readonly mask: Rules.MaskConsensusConfig & { readonly min_face_px: number };
}

/** Where a camera's video comes from, ready for the capture stage. */
export type CameraSource =
  | { readonly kind: 'file'; /** Absolute. */ readonly path: string; readonly loop: boolean }
  | {
      readonly kind: 'rtsp';
      /** With the credentials inserted, URL-encoded; secret: never log it. */
      readonly url: string;
      /** The same URL with the password replaced by `***`, for logs and the dashboard. */
      readonly redactedUrl: string;
      readonly transport: 'tcp' | 'udp';
    }
  | {
      readonly kind: 'onvif';
      readonly address: string;
      readonly port: number;
      readonly username: string;
      /** Resolved secret value. */
      readonly password: string;
      readonly profile: 'main' | 'sub';
    };

// The rule settings are the rules stage's types (one definition, config depends on rules); the loaded config has
// every default filled in, hence `Required`.

/** What guards read for a line or zone (`name` in the YAML); null = none given, the dashboard shows the id. */
interface Named {
  readonly name: string | null;
}

/** One corridor line, detect pixels; see rules' `LineRuleConfig`; `severity` null = the type's default. */
export type LineRuleConfig = Required<Rules.LineRuleConfig> & Named;

/** One zone, detect pixels; `loitering_s` null = no loitering rule on this zone. */
export type ZoneRuleConfig = Required<Rules.ZoneRuleConfig> & Named;

export type GatheringRuleConfig = Required<Rules.GatheringRuleConfig>;

/** Image points in detect pixels, floor points in metres. */
export type CalibrationConfig = Rules.CalibrationConfig;

export interface DistancingRuleConfig extends Required<Rules.DistancingRuleConfig> {
  /** Resolved: false when there is no calibration. */
  readonly enabled: boolean;
  /** Why it is disabled (also reported as a config warning); null when enabled. */
  readonly disabled_reason: string | null;
}

/** A daily window in facility-local time, parsed from `HH:MM-HH:MM`: the rules' `DailyWindow`, taken by them as is. */
export type TimeWindow = Rules.DailyWindow;

export interface ScheduleConfig {
  readonly allow_lines: readonly TimeWindow[];
  readonly allow_zones: readonly TimeWindow[];
}

/** A camera's rules as loaded; the rule engine takes it as is (`Rules.CameraRulesConfig`). */
export interface RulesConfig {
  readonly lines: readonly LineRuleConfig[];
  readonly zones: readonly ZoneRuleConfig[];
  readonly gathering: GatheringRuleConfig | null;
  readonly distancing: DistancingRuleConfig | null;
  readonly mask: boolean;
  readonly tamper: boolean;
  /** From `mask: { severity }` / `tamper: { severity }`; null = the type's default. */
  readonly mask_severity: Severity | null;
  readonly tamper_severity: Severity | null;
  readonly schedule: ScheduleConfig;
}

export type CameraPriority = 'high' | 'normal' | 'low';

export interface CameraConfig {
  readonly id: string;
  readonly name?: string;
  readonly enabled: boolean;
  readonly source: CameraSource;
  readonly detect: { readonly fps: number; readonly width: number; readonly height: number; readonly mode: 'full' | 'regions' };
  /** Reference resolution the YAML's coordinates were written in (defaults to the detect size). */
  readonly size: readonly [number, number];
  readonly health: { readonly stall_s: number; readonly offline_after_s: number; readonly frozen_s: number };
  readonly hwaccel: 'auto' | 'none' | 'vaapi' | 'qsv';
  /** Under overload, lower priorities lose detect rate first (agent/pipeline/README.md). */
  readonly priority: CameraPriority;
  /** Coordinates already scaled from `size` to the detect size. */
  readonly rules: RulesConfig;
}

export interface AppConfig {
  readonly facility: FacilityConfig;
  readonly hub: HubConfig;
  readonly storage: StorageConfig;
  readonly local: LocalConfig;
  readonly models: ModelsConfig;
  readonly cameras: readonly CameraConfig[];
}
