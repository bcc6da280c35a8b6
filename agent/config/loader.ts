/**
 * Reads, validates and resolves a config file. Order: YAML syntax → zod shapes → cross-field
 * checks → secrets and files. Each step's problems are reported together, placed at file:line:col;
 * a later step runs only when the earlier ones found no errors (it could not trust the shape).
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError, formatIssue, sortIssues, type ConfigIssue } from './errors.js';
import { IssueList, type PathIssue } from './issue-sink.js';
import { resolveConfig } from './resolve.js';
import { configSchema } from './schema.js';
import { checkSemantics } from './semantic.js';
import type { AppConfig } from './types.js';
import { issueAt, parseYaml, type YamlSource } from './yaml-source.js';
import { makeErrorMap, unknownKeyMessage, type AllowedKeys } from './zod-messages.js';

export interface LoadOptions {
  /** Where `env:NAME` secrets are looked up; defaults to `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * Check the file as a facility box's config (`qmon check-config`, `qmon doctor`): settings that are only the
   * demo's (`hub: embedded`) are warned about. `qmon run` leaves it off, so the demo starts without the warning.
   */
  readonly facilityBox?: boolean;
}

export interface ConfigReport {
  readonly config?: AppConfig;
  readonly errors: readonly ConfigIssue[];
  readonly warnings: readonly ConfigIssue[];
}

export interface CheckResult {
  readonly ok: boolean;
  readonly config?: AppConfig;
  /** Formatted `file:line:col: path: message` lines. */
  readonly errors: string[];
  readonly warnings: string[];
}

function fsReason(err: unknown): string {
  switch ((err as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory, not a file';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

function place(src: YamlSource, issues: readonly PathIssue[]): ConfigIssue[] {
  return issues.map((i) => issueAt(src, i.path, i.message));
}

function zodIssues(src: YamlSource): { errors: ConfigIssue[]; parsed?: ReturnType<typeof configSchema.parse> } {
  const allowed: AllowedKeys = new Map();
  const result = configSchema.safeParse(src.data, { error: makeErrorMap(allowed) });
  if (result.success) return { errors: [], parsed: result.data };
  const errors: ConfigIssue[] = [];
  for (const iss of result.error.issues) {
    const path = iss.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (iss.code === 'unrecognized_keys') {
      const keys = allowed.get(JSON.stringify(path)) ?? [];
      for (const k of iss.keys) errors.push(issueAt(src, [...path, k], unknownKeyMessage(k, keys)));
    } else {
      errors.push(issueAt(src, path, iss.message));
    }
  }
  return { errors };
}

/** Every problem with the file, and the loaded config when there are no errors. Never throws. */
export async function analyseConfig(file: string, opts: LoadOptions = {}): Promise<ConfigReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { errors: [{ file, path: '', message: `cannot read the config file: ${fsReason(err)}` }], warnings: [] };
  }
  if (text.trim() === '') return { errors: [{ file, path: '', message: 'the file is empty (expected facility, hub, storage, cameras, …)' }], warnings: [] };

  const yaml = parseYaml(file, text);
  if (yaml.source === undefined || yaml.errors.length > 0) return { errors: yaml.errors, warnings: yaml.warnings };
  const src = yaml.source;
  if (src.data === null || typeof src.data !== 'object' || Array.isArray(src.data)) {
    return { errors: [issueAt(src, [], 'expected a mapping with facility, hub, storage, local, models and cameras at the top level')], warnings: yaml.warnings };
  }

  const zod = zodIssues(src);
  if (zod.parsed === undefined) return { errors: sortIssues(zod.errors), warnings: yaml.warnings };

  const found = new IssueList();
  checkSemantics(zod.parsed, found, { facilityBox: opts.facilityBox ?? false });
  if (found.errors.length > 0) {
    return { errors: sortIssues(place(src, found.errors)), warnings: [...yaml.warnings, ...sortIssues(place(src, found.warnings))] };
  }

  const config = await resolveConfig(zod.parsed, { env: opts.env ?? process.env, baseDir: dirname(resolve(file)), sink: found });
  const errors = sortIssues(place(src, found.errors));
  const warnings = [...yaml.warnings, ...sortIssues(place(src, found.warnings))];
  if (errors.length === 0 && config === undefined) {
    errors.push({ file, path: '', message: 'the configuration could not be resolved' }); // defensive: every failure reports itself
  }
  return errors.length > 0 || config === undefined ? { errors, warnings } : { config, errors, warnings };
}

/** Loads a config file or throws `ConfigError` listing every problem. */
export async function loadConfig(file: string, opts: LoadOptions = {}): Promise<AppConfig> {
  const report = await analyseConfig(file, opts);
  if (report.config === undefined) {
    throw new ConfigError(report.errors);
  }
  return report.config;
}

/** For `qmon check-config FILE`: errors and warnings as printable lines, checked as a facility box's config by default. */
export async function checkConfig(file: string, opts: LoadOptions = {}): Promise<CheckResult> {
  const report = await analyseConfig(file, { facilityBox: true, ...opts });
  return {
    ok: report.config !== undefined,
    ...(report.config !== undefined && { config: report.config }),
    errors: report.errors.map(formatIssue),
    warnings: report.warnings.map(formatIssue),
  };
}

