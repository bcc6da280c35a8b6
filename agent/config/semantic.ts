/**
 * Checks that need more than one field: unique ids, references between rules, hub URL vs TLS
 * settings. Camera geometry is in semantic-camera.ts. Runs after the zod pass, on reference-size
 * coordinates, and reports in the same path format.
 */
import type { ParsedConfig } from './schema.js';
import { parseHubUrl } from './schema.js';
import { checkCamera } from './semantic-camera.js';
import type { IssueSink } from './issue-sink.js';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1)$/;

/** The warning for `hub: embedded` on a facility box: the in-process hub is the demo's, and it reports to nobody. */
export const EMBEDDED_HUB_WARNING =
  "embedded is the demo's in-process hub: alerts stay on this machine and reach no national hub; a facility box needs the hub's mqtts:// URL (config/README.md, hub)";

export function checkSemantics(cfg: ParsedConfig, sink: IssueSink, opts: { readonly facilityBox?: boolean } = {}): void {
  const seen = new Map<string, number>();
  cfg.cameras.forEach((cam, i) => {
    const first = seen.get(cam.id);
    if (first !== undefined) {
      sink.error(['cameras', i, 'id'], `duplicate camera id "${cam.id}" (also used by cameras[${first}])`);
    } else {
      seen.set(cam.id, i);
    }
    checkCamera(cam, ['cameras', i], sink);
  });

  const hub = parseHubUrl(cfg.hub.url);
  if (hub?.mode === 'mqtt' && !LOOPBACK.test(hub.host)) {
    sink.warn(['hub', 'url'], 'mqtt:// is unencrypted; a hub outside this machine needs mqtts:// with the hub\'s CA');
  }
  if (hub !== undefined && hub.mode !== 'embedded') {
    if (cfg.hub.public_key === undefined) {
      sink.warn(['hub', 'public_key'], 'not set: ACKs and commands are accepted unsigned, so anyone able to publish on this facility\'s topics can make events disappear; pin the hub\'s key (qmon hub keys generate)');
    }
    if (cfg.facility.signing_key === undefined) {
      sink.warn(['facility', 'signing_key'], 'not set: events are sent unsigned, and a hub that requires signatures drops them; make a key with `qmon keys generate`');
    }
  }
  if (hub?.mode === 'embedded') {
    if (opts.facilityBox) sink.warn(['hub', 'url'], EMBEDDED_HUB_WARNING);
    for (const k of ['ca', 'cert', 'key', 'username', 'password'] as const) {
      if (cfg.hub[k] !== undefined) sink.warn(['hub', k], 'ignored with url: embedded');
    }
  }
}
