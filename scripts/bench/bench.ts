/**
 * `npm run bench [-- scenario …]`: runs benchmark scenarios and prints one JSON object per result on stdout (machine
 * readable, for the notes and for comparing runs) and a human table on stderr. Numbers are reported, never asserted:
 * the machines are shared and noisy, so scenarios measure ratios within one run where they can.
 */
import os from 'node:os';
import { scenarios } from './scenarios.js';

type Result = Record<string, unknown> & { scenario: string };

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !scenarios.some((s) => s.name === w));
  if (unknown.length) {
    process.stderr.write(`unknown scenario(s): ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}\n`);
    process.exit(2);
  }
  const host = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version };
  const rows: Result[] = [];
  for (const s of scenarios) {
    if (wanted.length && !wanted.includes(s.name)) continue;
    process.stderr.write(`bench: ${s.name} — ${s.description}\n`);
    for (const r of await s.run()) {
      const row: Result = { ...r, scenario: typeof r.scenario === 'string' ? r.scenario : s.name, host };
      rows.push(row);
      process.stdout.write(`${JSON.stringify(row)}\n`);
    }
  }
  printTable(rows);
}

function printTable(rows: Result[]): void {
  const cell = (v: unknown): string => (typeof v === 'number' ? String(Math.round(v * 100) / 100) : typeof v === 'string' ? v : JSON.stringify(v));
  for (const r of rows) {
    const { scenario, host: _host, ...rest } = r;
    process.stderr.write(`  ${scenario.padEnd(14)} ${Object.entries(rest).map(([k, v]) => `${k}=${cell(v)}`).join('  ')}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
