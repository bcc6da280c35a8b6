/** The `qmon` command list: its top-level usage and the function each command name runs (cli.ts dispatches). */
import { runCommand } from './run.js';
import { checkConfigCommand } from './check-config.js';
import { discoverCommand } from './discover.js';
import { probeCommand } from './probe.js';
import { drawRulesCommand } from './draw-rules.js';
import { hubCommand } from './hub.js';
import { keysCommand } from './keys.js';
import { simCommand } from './sim.js';
import { userCommand } from './user.js';
import { doctorCommand } from './doctor.js';
import { dashboardCommand } from './dashboard.js';
import { AGENT_VERSION } from '../version.js';

export const HELP = `qmon ${AGENT_VERSION} — edge video monitoring for quarantine facilities

Usage:
  qmon run --config FILE [--duration SECONDS] [--log-level LEVEL] [--log-json]
      Run the agent. With --duration it stops by itself (demos, smoke tests).
  qmon check-config FILE [--environment-file FILE]
      Validate a facility config and exit (0 = valid, 1 = errors). Prints every error with file:line:col and key path;
      env: secrets from the service's environment file (/etc/qmon/qmon.env), as the service reads them.
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
      Check ffmpeg, models, data dir, clock, hub (TLS expiry), the running agent (its /healthz) and every camera (one
      frame each); print the dashboard's URL and a fix for each problem.
  qmon --version | --help
`;

export const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
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

