// The national broker template of packaging/broker/mosquitto (docs/broker.md) on Debian's real mosquitto, with a
// throwaway PKI: what the ACL test and the red-team run share.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TEMPLATE = join(import.meta.dirname, '../../packaging/broker/mosquitto');

/** The template's settings with its /etc paths pointed at `dir`, and its `listener`/persistence replaced by the test's. */
export function templateSettings(dir: string): string[] {
  return readFileSync(join(TEMPLATE, 'mosquitto.conf'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#') && !/^(listener|persistence|persistence_location) /.test(l))
    .map((l) => l.replaceAll('/etc/mosquitto/qmon/', `${dir}/`));
}

/** The template's ACL written to `dir/acl`, with `extra` lines (test-only identities) appended. */
export function writeTemplateAcl(dir: string, extra: readonly string[] = []): void {
  const acl = readFileSync(join(TEMPLATE, 'acl'), 'utf8');
  writeFileSync(join(dir, 'acl'), [acl, ...extra, ''].join('\n'), { mode: 0o644 });
}
