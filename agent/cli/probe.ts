/**
 * `qmon probe ADDRESS[:PORT]… | --config FILE [--camera ID]`: reads clock offset, make/model,
 * profiles and stream URIs from ONVIF cameras. Also home of what `qmon discover` shares with it:
 * credentials (env:, file:, or a prompt that does not echo; never a literal on the command line),
 * probing several devices at once, printing, and `--write`.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { checkConfig, loadConfig, ConfigError } from '../config/index.js';
import { appendCameras, ConfigWriteError, formatReports, probeDevice, type ProbeReport, type ProbeTarget } from '../camera/index.js';
import { redactText } from '../ops/index.js';
import { UserError } from './user-error.js';

export const PASSWORD_ENV = 'QMON_ONVIF_PASSWORD';

export interface Io {
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

export const processIo = (): Io => ({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });

/** Reads a line from a TTY without echoing it (raw mode; backspace works; Ctrl-C/Ctrl-D cancel). */
export function promptHidden(question: string, io: Io): Promise<string> {
  return new Promise((resolve, reject) => {
    const { stdin } = io;
    io.stderr.write(question);
    let value = '';
    const done = (err: UserError | null): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      io.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003' || ch === '\u0004') return done(new UserError('cancelled', 130));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/**
 * The password from `--password env:NAME|file:PATH`, else $QMON_ONVIF_PASSWORD, else a hidden prompt
 * when stdin is a terminal; undefined when there is no way to get one.
 */
export async function readPassword(spec: string | undefined, username: string, io: Io): Promise<string | undefined> {
  if (spec !== undefined) {
    if (spec.startsWith('env:')) {
      const name = spec.slice(4);
      const v = io.env[name];
      if (!/^[A-Za-z_]\w*$/.test(name)) throw new UserError(`--password: expected env:NAME, got "env:${name.slice(0, 40)}"`, 2);
      if (v === undefined) throw new UserError(`--password: environment variable ${name} is not set`, 2);
      return v;
    }
    if (spec.startsWith('file:')) {
      const path = spec.slice(5);
      try {
        return (await readFile(path, 'utf8')).replace(/[\r\n]+$/, '');
      } catch (e) {
        throw new UserError(`--password: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, 2);
      }
    }
    // Not echoed back: it is probably the password itself.
    throw new UserError(
      '--password takes env:NAME or file:PATH (a password typed on the command line is visible in ps and shell history); leave it out to be asked',
      2,
    );
  }
  const fromEnv = io.env[PASSWORD_ENV];
  if (fromEnv !== undefined) return fromEnv;
  if (io.stdin.isTTY) return promptHidden(`ONVIF password for ${username}: `, io);
  return undefined;
}

/** Options shared by probe and discover. */
export const COMMON_OPTIONS = {
  username: { type: 'string', short: 'u' },
  password: { type: 'string' },
  timeout: { type: 'string' },
  'check-default-passwords': { type: 'boolean' },
  write: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function seconds(name: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!(n > 0 && n <= max)) throw new UserError(`--${name}: expected seconds between 0 and ${max}, got "${value}"`, 2);
  return n;
}

export interface ProbeRun {
  readonly username?: string;
  readonly password?: string;
  readonly timeoutMs: number;
  readonly checkDefaultPasswords: boolean;
}

/** Probes up to 8 devices at a time, reporting each on stderr as it finishes. */
export async function probeAll(targets: readonly ProbeTarget[], run: ProbeRun, io: Io): Promise<ProbeReport[]> {
  const reports: ProbeReport[] = new Array<ProbeReport>(targets.length);
  let next = 0;
  let finished = 0;
  const worker = async (): Promise<void> => {
    for (let k = next++; k < targets.length; k = next++) {
      const report = await probeDevice(targets[k]!, {
        ...(run.username !== undefined && { username: run.username }),
        ...(run.password !== undefined && { password: run.password }),
        timeoutMs: run.timeoutMs,
        checkDefaultPasswords: run.checkDefaultPasswords,
      });
      reports[k] = report;
      finished++;
      // The address that answered (discovery may have given two: advertised, and where its answer came from).
      io.stderr.write(`probed ${finished}/${targets.length} ${report.address}:${report.port}: ${report.error ? report.error.code : 'ok'}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, targets.length) }, worker));
  return reports;
}

/** Prints the reports (table or JSON) and, with --write, appends them to the config. Returns the exit code. */
export async function finish(reports: readonly ProbeReport[], opts: { json: boolean; write?: string; username?: string }, io: Io): Promise<number> {
  // Reports hold no secrets by construction; every string still passes the redactor on the way out.
  const json = (): string => JSON.stringify(reports, (_k, v: unknown) => (typeof v === 'string' ? redactText(v) : v), 2);
  io.stdout.write(opts.json ? `${json()}\n` : formatReports(reports));
  if (opts.write !== undefined) {
    if (opts.username === undefined) throw new UserError('--write needs --username (the entries name the ONVIF user)', 2);
    const file = opts.write;
    const before = new Set((await checkConfig(file)).errors.map(stripLocation));
    try {
      const result = await appendCameras(file, reports, {
        username: opts.username,
        verify: async (tmp, added) => {
          // The new entries' password variables are not set yet; stand-ins let the check look at everything else.
          const env = { ...io.env, ...Object.fromEntries(added.map((a) => [a.passwordEnv, io.env[a.passwordEnv] ?? 'placeholder'])) };
          return (await checkConfig(tmp, { env })).errors.filter((e) => !before.has(stripLocation(e)));
        },
      });
      for (const a of result.added) io.stderr.write(`added camera ${a.id} (${a.address}, ${a.profile} stream) to ${file}; set ${a.passwordEnv} in the agent's environment file\n`);
      for (const s of result.skipped) io.stderr.write(`not added ${s.address}: ${s.reason}\n`);
      if (before.size > 0) io.stderr.write(`note: ${file} already had ${before.size} problem(s) before this change; run qmon check-config ${file}\n`);
    } catch (e) {
      if (e instanceof ConfigWriteError) throw new UserError(e.message);
      throw e;
    }
  }
  return reports.some((r) => r.error !== undefined) ? 1 : 0;
}

const stripLocation = (line: string): string => line.replace(/^.*?:\d+:\d+: /, '');

function parseAddress(spec: string): ProbeTarget {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(spec);
  const port = m?.[2] === undefined ? 80 : Number(m[2]);
  if (!m || port < 1 || port > 65535) throw new UserError(`"${spec}" is not an address (expected HOST or HOST:PORT, e.g. 192.168.10.21:80)`, 2);
  return { address: m[1]!.replace(/^\[|\]$/g, ''), port };
}

const HELP = `usage: qmon probe ADDRESS[:PORT]... [--username USER] [--password env:NAME|file:PATH]
                  [--path /onvif/device_service] [--timeout SECONDS] [--check-default-passwords]
                  [--write CONFIG] [--json]
       qmon probe --config FILE [--camera ID]     (the config's onvif cameras, with their credentials)
Without --password, $${PASSWORD_ENV} is used, else you are asked (input not shown).
--check-default-passwords also tries well-known vendor passwords; each wrong try counts towards the camera's lockout.
Exit status: 0 all probed, 1 some device failed, 2 usage error.
`;

export async function probeCommand(argv: string[], io: Io = processIo()): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { ...COMMON_OPTIONS, path: { type: 'string' }, config: { type: 'string', short: 'c' }, camera: { type: 'string' } },
  });
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const timeoutMs = seconds('timeout', values.timeout, 5, 120) * 1000;
  const checkDefaultPasswords = values['check-default-passwords'] ?? false;
  if (values.config !== undefined) {
    if (positionals.length > 0 || values.username !== undefined || values.password !== undefined || values.write !== undefined) {
      throw new UserError('with --config, addresses and credentials come from the config file (and its cameras are already in it: no --write)', 2);
    }
    const config = await loadConfig(values.config).catch((e: unknown) => {
      throw e instanceof ConfigError ? new UserError(e.format()) : e;
    });
    const cams = config.cameras.filter((c) => c.source.kind === 'onvif' && (values.camera === undefined || c.id === values.camera));
    if (cams.length === 0) throw new UserError(values.camera ? `no onvif camera "${values.camera}" in ${values.config}` : `no onvif cameras in ${values.config}`, 2);
    const reports: ProbeReport[] = [];
    for (const c of cams) {
      if (c.source.kind !== 'onvif') continue;
      const s = c.source;
      reports.push(...(await probeAll([{ address: s.address, port: s.port }], { username: s.username, password: s.password, timeoutMs, checkDefaultPasswords }, io)));
    }
    return finish(reports, { json: values.json ?? false }, io);
  }
  if (positionals.length === 0) throw new UserError(HELP.trimEnd(), 2);
  const targets = positionals.map((p) => ({ ...parseAddress(p), ...(values.path !== undefined && { path: values.path }) }));
  if (values.password !== undefined && values.username === undefined) throw new UserError('--password given without --username', 2);
  const password = values.username === undefined ? undefined : await readPassword(values.password, values.username, io);
  if (values.username !== undefined && password === undefined) {
    throw new UserError(`no password for ${values.username}: give --password env:NAME or file:PATH, set ${PASSWORD_ENV}, or run in a terminal to be asked`, 2);
  }
  const reports = await probeAll(targets, { ...(values.username !== undefined && { username: values.username }), ...(password !== undefined && { password }), timeoutMs, checkDefaultPasswords }, io);
  return finish(reports, { json: values.json ?? false, ...(values.write !== undefined && { write: values.write }), ...(values.username !== undefined && { username: values.username }) }, io);
}
