#!/usr/bin/env node
/**
 * `qmon`: the one entry point for provincial IT staff. User mistakes (bad config, missing models, missing ffmpeg)
 * end with a one-line explanation and a non-zero exit code, never a stack trace.
 */
import { parseArgs } from 'node:util';
import { runCommand } from './cli/run.js';
import { checkConfigCommand } from './cli/check-config.js';
import { discoverCommand } from './cli/discover.js';
import { probeCommand } from './cli/probe.js';
import { drawRulesCommand } from './cli/draw-rules.js';
import { hubCommand } from './cli/hub.js';
import { keysCommand } from './cli/keys.js';
import { simCommand } from './cli/sim.js';
import { userCommand } from './cli/user.js';
import { doctorCommand } from './cli/doctor.js';
import { dashboardCommand } from './cli/dashboard.js';
import { UserError } from './cli/user-error.js';
import { AGENT_VERSION } from './version.js';

const HELP = `qmon ${AGENT_VERSION} — edge video monitoring for quarantine facilities

Usage:
  qmon run --config FILE [--duration SECONDS] [--log-level LEVEL] [--log-json]
      Run the agent. With --duration it stops by itself (demos, smoke tests).
  qmon check-config FILE
      Validate a facility config and exit (0 = valid, 1 = errors). Prints every error with file:line:col and key path.
  qmon discover [--range CIDR|IP-IP]… [--interface NAME]… [--username U] [--password env:NAME|file:PATH]
                [--check-default-passwords] [--write FILE] [--json]
      Find ONVIF cameras (WS-Discovery multicast, and unicast to the given ranges: discovery does not cross VLANs),
      read their clock, make/model, profiles and stream URIs, and optionally append them to a config file.
  qmon probe ADDR[:PORT]… | --config FILE [--camera ID]
      Probe ONVIF cameras: clock offset, device information, profiles, stream URIs (credentials redacted).
  qmon draw-rules --config FILE --camera ID --out FILE.png [--frame-at SECONDS]
      Grab one frame from the camera and draw its zones, lines (with the "in" direction arrows) and calibration
      on it, so an installer can check them.
  qmon hub run (--broker URL | --embedded [--port N]) [--db FILE|postgres://…] [--http HOST:PORT] [--shared]
      The reference hub: ACKs events after its own commit, tracks facilities, asks for resends of seq gaps.
  qmon keys generate --out DIR | show --key FILE
      The facility's message-signing key pair (facility.signing_key); qmon hub keys … makes the hub's.
  qmon hub status (--db FILE | --http URL) [--json]
      Facilities, cameras and recent events as a table (or JSON).
  qmon sim --broker URL --facilities N --seconds S [--rate R] [--outage S] [--provision --db FILE|postgres://…]
      A fleet of simulated facilities (contract only, no video) for hub load tests; prints a JSON summary.
  qmon user add NAME --role guard|admin|auditor --config FILE --password-stdin
  qmon user list | passwd NAME | disable NAME | enable NAME --config FILE
      Guard dashboard users (passwords from stdin, Argon2id); see qmon user --help.
  qmon dashboard cert --config FILE [--out FILE.crt]
      The dashboard's TLS certificate and its SHA-256 fingerprint, for the guard-room browser to trust.
  qmon doctor [--config FILE] [--json]
      Check ffmpeg, models, data dir, clock, hub (TLS expiry) and every camera (one frame each); a fix for each problem.
  qmon --version | --help
`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  run: runCommand,
  'check-config': checkConfigCommand,
  discover: (argv) => discoverCommand(argv),
  probe: (argv) => probeCommand(argv),
  'draw-rules': drawRulesCommand,
  hub: hubCommand,
  keys: (argv) => Promise.resolve(keysCommand(argv, 'facility')),
  sim: simCommand,
  user: userCommand,
  doctor: (argv) => doctorCommand(argv),
  dashboard: dashboardCommand,
};

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'V' } },
    strict: false,
    allowPositionals: true,
  });
  const name = positionals[0];
  if (values.version && !name) {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }
  if (!name || (values.help && !name)) {
    process.stdout.write(HELP);
    return name ? 0 : values.help ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`qmon: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  return command(argv.slice(argv.indexOf(name) + 1));
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UserError) {
      process.stderr.write(`qmon: ${e.message}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    // An option a command does not know (node:util parseArgs): a usage mistake, not a bug.
    if (isParseArgsError(e)) {
      process.stderr.write(`qmon: ${e.message}\n(see qmon --help)\n`);
      process.exitCode = 2;
      return;
    }
    // A bug, not a user mistake: keep the stack for the report.
    process.stderr.write(`qmon: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  },
);

function isParseArgsError(e: unknown): e is Error {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && (e as NodeJS.ErrnoException).code!.startsWith('ERR_PARSE_ARGS');
}
