/**
 * What the docs say about the files the package makes agrees with what the maintainer scripts do: the env file's
 * mode (the example config once said 0600 while the README and postinst made it 0640), and no `sudo` (a minimal
 * Debian has none) in anything a technician copies on the box.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (file: string): string => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
const DOCS = ['README.md', 'config/example.yaml', 'systemd/qmon.service', 'systemd/README.md', 'scripts/package/README.md', 'packaging/debian/postinst'];

describe('the docs and the package agree', () => {
  it('every mention of /etc/qmon/qmon.env with a mode says 0640 root:qmon, as postinst makes it', () => {
    expect(read('packaging/debian/postinst')).toMatch(/install -m 0640 -o root -g qmon \/dev\/null "\$ENVFILE"/);
    const modes = DOCS.flatMap((f) => [...read(f).matchAll(/qmon\.env[^\n]{0,80}?\b(0[0-7]{3})\b/g)].map((m) => `${f}: ${m[1]}`));
    expect(modes.length).toBeGreaterThan(2);
    expect(modes.filter((m) => !m.endsWith(': 0640'))).toEqual([]);
  });

  // The README's box part: installing on a mini-PC, and the guard dashboard (the developer part above may use npm and
  // scripts/setup.sh's sudo).
  const readme = read('README.md');
  const boxPart = readme.slice(readme.indexOf('## Installing on a facility mini-PC'));
  const sudoLines = (file: string, text: string): string[] => text.split('\n').filter((l) => /\bsudo\b/.test(l) && !/no `sudo`/.test(l)).map((l) => `${file}: ${l.trim()}`);

  it('no sudo in what a technician runs on the box: the README, the example config, the maintainer scripts, the CLI help', () => {
    expect(boxPart.length).toBeGreaterThan(1000);
    const files = ['config/example.yaml', 'packaging/debian/postinst', 'agent/cli/doctor.ts', 'agent/cli/doctor/data-dir.ts', 'agent/cli/check-config.ts', 'agent/cli/user.ts'];
    expect([...sudoLines('README.md (box part)', boxPart), ...files.flatMap((f) => sudoLines(f, read(f)))]).toEqual([]);
  });

  it('the box part of the README uses the command as it is there (qmon …), not npm run qmon', () => {
    expect(boxPart.split('\n').filter((l) => l.includes('npm run qmon') && !l.includes('from the sources'))).toEqual([]);
    expect(boxPart).toMatch(/runuser -u qmon -- qmon check-config \/etc\/qmon\/qmon\.yaml/);
  });
});
