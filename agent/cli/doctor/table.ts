import type { CheckResult } from './check.js';

const MARK = { ok: 'ok', warn: 'WARN', fail: 'FAIL' } as const;

/** A plain-text table an installer reads over SSH: check, status, detail, and the fix under each problem. */
export function formatTable(results: readonly CheckResult[]): string {
  const w = Math.max(5, ...results.map((r) => r.check.length));
  const lines = [`${'check'.padEnd(w)}  status  detail`];
  for (const r of results) {
    lines.push(`${r.check.padEnd(w)}  ${MARK[r.status].padEnd(6)}  ${r.detail}`);
    if (r.fix) lines.push(`${''.padEnd(w)}          fix: ${r.fix}`);
  }
  const fails = results.filter((r) => r.status === 'fail').length;
  const warns = results.filter((r) => r.status === 'warn').length;
  lines.push('', fails ? `${fails} problem(s), ${warns} warning(s)` : warns ? `no problems, ${warns} warning(s)` : 'all checks passed');
  return `${lines.join('\n')}\n`;
}
