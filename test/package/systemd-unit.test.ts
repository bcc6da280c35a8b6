import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const UNIT = 'systemd/qmon.service';
const text = readFileSync(UNIT, 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'qmon-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every value of a key in the unit (keys may repeat). */
const values = (key: string): string[] => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);

describe('systemd/qmon.service', () => {
  it('passes systemd-analyze verify (ExecStart pointed at /bin/true: /usr/bin/qmon exists only once installed)', () => {
    const copy = join(dir, 'qmon.service');
    writeFileSync(copy, text.replace(/^(ExecStart(?:Pre)?=|ExecReload=)\/usr\/bin\/qmon\b/gm, '$1/bin/true'));
    const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('is a notify service with a watchdog, restarted always, and no unconditional credential', () => {
    expect(values('Type')).toEqual(['notify']);
    expect(values('NotifyAccess')).toEqual(['all']);
    expect(values('WatchdogSec')).toEqual(['60']);
    expect(values('Restart')).toEqual(['always']);
    expect(Number(values('RestartSec')[0])).toBeGreaterThan(0);
    expect(values('LoadCredential')).toEqual([]);
    expect(values('ExecStartPre')).toEqual(['/usr/bin/qmon check-config /etc/qmon/qmon.yaml']);
    expect(values('ReadWritePaths')).toEqual(['/var/lib/qmon']);
    expect(values('CapabilityBoundingSet')).toEqual(['']);
    for (const key of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp']) expect(values(key)).toEqual(['yes']);
    expect(values('ProtectSystem')).toEqual(['strict']);
    expect(values('ProtectProc')).toEqual(['invisible']);
    expect(values('SupplementaryGroups')).toEqual(['render video']);
  });

  it('points its first line at a README section that exists', () => {
    const section = /"([^"]+)"/.exec(text.split('\n')[0]!)?.[1];
    expect(section).toBe('Installing on a facility mini-PC');
    expect(readFileSync('README.md', 'utf8')).toMatch(new RegExp(`^## ${section}$`, 'm'));
  });

  it('scores "OK" or better in systemd-analyze security (exposure 2.0 at most)', () => {
    const out = execFileSync('systemd-analyze', ['security', '--offline=true', '--no-pager', UNIT], { encoding: 'utf8' });
    const m = /Overall exposure level for qmon\.service: ([\d.]+) (\w+)/.exec(out);
    expect(Number(m?.[1])).toBeLessThanOrEqual(2.0);
    expect(['PERFECT', 'SAFE', 'OK']).toContain(m?.[2]);
  });
});
