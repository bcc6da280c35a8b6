/**
 * `qmon doctor [--config FILE] [--json]`: one table of everything a running agent depends on, with the fix for each
 * failure. Exit 0 when nothing failed (warnings allowed), 1 when something did, 2 for a usage error.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type AppConfig } from '../config/index.js';
import { defaultModelsDir } from '../vision/index.js';
import { AGENT_VERSION } from '../version.js';
import { fail, ok, type CheckResult } from './doctor/check.js';
import { ffmpegCheck } from './doctor/ffmpeg.js';
import { modelChecks } from './doctor/models.js';
import { dataDirChecks } from './doctor/data-dir.js';
import { clockCheck } from './doctor/clock.js';
import { hubCheck } from './doctor/hub.js';
import { agentCheck, dashboardCheck } from './doctor/agent.js';
import { cameraChecks } from './doctor/cameras.js';
import { formatTable } from './doctor/table.js';
import { DEFAULT_ENV_FILE, readEnvFile } from './env-file.js';
import { UserError } from './user-error.js';

export const DEFAULT_CONFIG = '/etc/qmon/qmon.yaml';
export { DEFAULT_ENV_FILE };

const HELP = `usage: qmon doctor [--config FILE] [--environment-file FILE] [--models DIR] [--no-cameras] [--json]
Checks ffmpeg, the models, the data dir, the clock, the hub, the running agent (its /healthz on this machine) and
every enabled camera (one frame read from each), prints the dashboard's address and a fix for each problem. Secrets referenced as env:NAME are read from --environment-file (default ${DEFAULT_ENV_FILE})
and the environment, as the service does. Run it as the agent's user (as root: runuser -u qmon -- qmon doctor)
Exit status: 0 no failures (warnings allowed), 1 something failed, 2 usage error.
`;

export async function doctorCommand(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      'environment-file': { type: 'string' },
      models: { type: 'string' },
      'no-cameras': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    out.write(HELP);
    return 0;
  }
  // Not --env-file: Node 20 takes that option for itself wherever it appears on the command line.
  if (positionals.length > 0) throw new UserError(HELP.trimEnd(), 2);
  const results = await runChecks({
    configFile: values.config ?? DEFAULT_CONFIG,
    envFile: values['environment-file'] ?? DEFAULT_ENV_FILE,
    ...(values.models !== undefined && { modelsDir: values.models }),
    cameras: !values['no-cameras'],
  });
  if (values.json) out.write(`${JSON.stringify({ version: AGENT_VERSION, ok: !results.some((r) => r.status === 'fail'), checks: results }, null, 2)}\n`);
  else out.write(formatTable(results));
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}

interface DoctorRun {
  readonly configFile: string;
  readonly envFile: string;
  readonly modelsDir?: string;
  readonly cameras: boolean;
}

async function runChecks(run: DoctorRun): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const { config, result } = await configCheck(run);
  results.push(result);
  const ffmpeg = await ffmpegCheck();
  results.push(ffmpeg.result);
  let modelsDir: string | null = run.modelsDir ?? null;
  if (modelsDir === null) {
    try {
      modelsDir = defaultModelsDir();
    } catch (e) {
      results.push(fail('models', (e as Error).message, 'reinstall the package (apt install --reinstall qmon)'));
    }
  }
  if (modelsDir !== null) results.push(...(await modelChecks(modelsDir, config?.models.person.min_score ?? 0.5)));
  results.push(await clockCheck());
  if (!config) return results;
  results.push(...(await dataDirChecks(config.storage.dir, config.storage.min_free_mb)));
  results.push(await hubCheck(config.hub));
  results.push(dashboardCheck(config.local));
  results.push(await agentCheck(config.local, config.facility.id));
  if (run.cameras && ffmpeg.result.status === 'ok') {
    results.push(...(await cameraChecks(config.cameras, { ...(ffmpeg.major !== undefined && { ffmpegMajor: ffmpeg.major }) })));
  }
  return results;
}

async function configCheck(run: DoctorRun): Promise<{ config: AppConfig | null; result: CheckResult }> {
  let env: NodeJS.ProcessEnv;
  try {
    env = { ...(await readEnvFile(run.envFile)), ...process.env };
  } catch (e) {
    return { config: null, result: fail('config', `cannot read ${run.envFile}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, `run as root or the qmon user (as root: runuser -u qmon -- qmon doctor)`) };
  }
  try {
    const config = await loadConfig(run.configFile, { env });
    return { config, result: ok('config', `${run.configFile}: valid, ${config.cameras.length} camera(s)`) };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const first = e.format().split('\n');
    return {
      config: null,
      result: fail('config', `${first[0]}${first.length > 1 ? ` (and ${first.length - 1} more)` : ''}`, `qmon check-config ${run.configFile} lists every error; the other checks need a valid config`),
    };
  }
}
