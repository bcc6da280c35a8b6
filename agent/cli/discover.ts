/**
 * `qmon discover`: finds ONVIF cameras by WS-Discovery (multicast on the LAN, and unicast to
 * `--range` addresses on other VLANs), probes each with the given credentials and prints what it
 * found; `--write FILE` appends them to a facility config. Progress goes to stderr.
 */
import { parseArgs } from 'node:util';
import { discover, DiscoveryError, parseTargets, TargetSpecError, WS_DISCOVERY_PORT, type DiscoverProgress, type ProbeTarget, type UnicastTarget } from '../camera/index.js';
import { COMMON_OPTIONS, finish, PASSWORD_ENV, probeAll, processIo, readPassword, seconds, type Io } from './probe.js';
import { UserError } from './user-error.js';

const HELP = `usage: qmon discover [--interface NAME]... [--range 192.168.10.0/24]... [--unicast-only]
                     [--wait SECONDS] [--username USER] [--password env:NAME|file:PATH]
                     [--timeout SECONDS] [--check-default-passwords] [--write CONFIG] [--json]
Multicast WS-Discovery reaches only this machine's own subnets (on all interfaces, or those named by --interface);
cameras on other VLANs are found with --range (addresses, CIDR blocks or a-b ranges, comma-separated).
In --range, ADDRESS:PORT names the WS-Discovery UDP port (default 3702: simulators, port forwards), NOT the camera's
web/ONVIF port; to reach a camera at a known web port, use qmon probe ADDRESS:PORT instead.
Each device is listed with the address it advertised (XAddrs) and the address its answer came from. When they
differ, the probe tries the advertised one first (only a LAN address: private, link-local or this machine's subnets),
then the one the answer came from, and says which worked; --write writes that one.
Without --username only the camera clocks are read. Without --password, $${PASSWORD_ENV} is used, else you are asked.
--check-default-passwords also tries well-known vendor passwords; each wrong try counts towards the camera's lockout.
Exit status: 0 found and probed, 1 nothing found or some device failed, 2 usage error.
`;

function progressLine(io: Io): (p: DiscoverProgress) => void {
  const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
  let lastFound = -1;
  return (p) => {
    const line = `discovering: ${(p.elapsedMs / 1000).toFixed(1)} s, ${p.sent}/${p.toSend} probes sent, ${p.found} found${p.rejected ? `, ${p.rejected} bad answers ignored` : ''}`;
    if (tty) io.stderr.write(`\r${line}\u001b[K`);
    else if (p.found !== lastFound) io.stderr.write(`${line}\n`); // logs and CI: one line per change, not a spinner
    lastFound = p.found;
  };
}

export async function discoverCommand(argv: string[], io: Io = processIo()): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      interface: { type: 'string', short: 'i', multiple: true },
      range: { type: 'string', short: 'r', multiple: true },
      'unicast-only': { type: 'boolean' },
      wait: { type: 'string' },
      'multicast-port': { type: 'string' },
    },
  });
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (positionals.length > 0) throw new UserError(`unexpected argument "${positionals[0]}" (give addresses with --range)\n${HELP.trimEnd()}`, 2);
  let unicast: UnicastTarget[] = [];
  try {
    if (values.range) unicast = parseTargets(values.range);
  } catch (e) {
    throw e instanceof TargetSpecError ? new UserError(`--range: ${e.message}`, 2) : e;
  }
  if (values['unicast-only'] && unicast.length === 0) throw new UserError('--unicast-only needs --range', 2);
  const waitMs = seconds('wait', values.wait, 3, 60) * 1000;
  const timeoutMs = seconds('timeout', values.timeout, 5, 120) * 1000;
  const multicastPort = values['multicast-port'] === undefined ? undefined : Number(values['multicast-port']);
  if (multicastPort !== undefined && !(Number.isInteger(multicastPort) && multicastPort > 0 && multicastPort < 65536)) {
    throw new UserError(`--multicast-port: expected a port number, got "${values['multicast-port']}"`, 2);
  }
  if (values.password !== undefined && values.username === undefined) throw new UserError('--password given without --username', 2);
  // Ask before the network work starts, so the prompt is not interleaved with progress.
  const password = values.username === undefined ? undefined : await readPassword(values.password, values.username, io);
  if (values.username !== undefined && password === undefined) {
    throw new UserError(`no password for ${values.username}: give --password env:NAME or file:PATH, set ${PASSWORD_ENV}, or run in a terminal to be asked`, 2);
  }

  let found;
  try {
    found = await discover({
      multicast: values['unicast-only'] ? false : (values.interface ?? 'all'),
      ...(multicastPort !== undefined && { multicastPort }),
      unicast,
      waitMs,
      onProgress: progressLine(io),
    });
  } catch (e) {
    throw e instanceof DiscoveryError ? new UserError(e.message, 2) : e;
  } finally {
    if ((io.stderr as NodeJS.WriteStream).isTTY === true) io.stderr.write('\n');
  }
  io.stderr.write(`found ${found.devices.length} ONVIF device(s)${found.rejected ? `; ignored ${found.rejected} answer(s) that were not valid ProbeMatches` : ''}\n`);
  for (const d of found.devices) {
    // What the camera advertised and where its answer came from can differ (multi-homed, or a changed address): show both.
    const tries = d.advertised ? `${d.advertised.address}:${d.advertised.port}${d.advertised.path}, then ${d.address}:${d.port}${d.path}` : `${d.address}:${d.port}${d.path}`;
    io.stderr.write(`  ${tries}: answered from ${d.from}, advertised ${d.xaddrs.join(' ') || '(no address)'}\n`);
  }
  if (found.devices.length === 0) io.stderr.write('nothing answered: check that ONVIF (and "discovery mode") is on in the cameras, and use --range for other subnets\n');
  // ADDRESS:PORT with a port other than WS-Discovery's that got no answer: most likely the camera's web port.
  const silent = unicast.filter((t) => t.port !== WS_DISCOVERY_PORT && !found.devices.some((d) => d.from === t.address));
  for (const t of silent.slice(0, 5)) {
    io.stderr.write(
      `no answer from ${t.address} on UDP port ${t.port}: in --range, :PORT is the WS-Discovery port (${WS_DISCOVERY_PORT}), ` +
        `not the camera's web port; try --range ${t.address}, or qmon probe ${t.address}:${t.port}\n`,
    );
  }
  if (found.devices.length === 0 && !values.json) return 1;
  // The advertised address first (where the camera says it is), the one its answer came from as the fallback.
  const targets: ProbeTarget[] = found.devices.map((d) => {
    const answered = { address: d.address, port: d.port, path: d.path };
    return {
      ...(d.advertised ?? answered),
      ...(d.advertised !== undefined && { fallback: answered }),
      endpoint: d.endpoint,
      ...(d.name !== undefined && { scopeName: d.name }),
    };
  });
  const reports = await probeAll(
    targets,
    { ...(values.username !== undefined && { username: values.username }), ...(password !== undefined && { password }), timeoutMs, checkDefaultPasswords: values['check-default-passwords'] ?? false },
    io,
  );
  const code = await finish(reports, { json: values.json ?? false, ...(values.write !== undefined && { write: values.write }), ...(values.username !== undefined && { username: values.username }) }, io);
  return found.devices.length === 0 ? 1 : code;
}
