/**
 * Config problems as data. Every problem names the file, the key path and (when the YAML has the
 * key) the line and column, so that an installer can fix the file without reading a stack trace.
 */

/** One problem found in a config file. `line`/`col` are 1-based and point at the offending key. */
export interface ConfigIssue {
  readonly file: string;
  /** Key path in the YAML, e.g. `cameras[2].rules.lines[0].points`; empty for the file as a whole. */
  readonly path: string;
  readonly line?: number;
  readonly col?: number;
  readonly message: string;
}

/** Renders `config/site.yaml:14:9: cameras[2].rules.lines[0].points: expected 2 points, got 3`. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.col ?? 1}`;
  return issue.path === '' ? `${where}: ${issue.message}` : `${where}: ${issue.path}: ${issue.message}`;
}

/**
 * Thrown by `loadConfig` when the file cannot be used. The message is the formatted issue list, so
 * even an unexpected `String(err)` reads well; the CLI prints `format()` and exits non-zero.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.issues = issues;
  }

  /** One line per issue, in file order. */
  format(): string {
    return this.issues.map(formatIssue).join('\n');
  }
}

/** Renders a zod/YAML-style path (`['cameras', 2, 'rules']`) as `cameras[2].rules`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** Orders issues the way a reader scans the file: by line, then column; unplaced ones last. */
export function sortIssues<T extends ConfigIssue>(issues: readonly T[]): T[] {
  return [...issues].sort(
    (a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || (a.col ?? 0) - (b.col ?? 0),
  );
}
