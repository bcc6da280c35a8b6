/** WS-UsernameToken and HTTP Digest against published test vectors, not against themselves. */
import { describe, expect, it } from 'vitest';
import { digestAuthorization, pickDigestChallenge } from '../../../agent/camera/onvif/digest-auth.js';
import { passwordDigest, usernameToken, wsuTimestamp, xmlEscape } from '../../../agent/camera/onvif/ws-security.js';

describe('WS-UsernameToken', () => {
  it('matches the PasswordDigest example of the ONVIF Application Programmer’s Guide', () => {
    const nonce = Buffer.from('LKqI6G/AikKCQrN0zqZFlg==', 'base64');
    expect(passwordDigest(nonce, '2010-09-16T07:50:45Z', 'userpassword')).toBe('tuOSpGlFlIXsozq4HFNeeGeFLEI=');
  });

  it('dates the token with the time it is given (camera time), not the local clock', () => {
    const threeHoursAhead = Date.UTC(2026, 0, 1, 11, 0, 0);
    const xml = usernameToken('op', 'pw', threeHoursAhead, Buffer.alloc(16, 1));
    expect(xml).toContain(`<wsu:Created>${wsuTimestamp(threeHoursAhead)}</wsu:Created>`);
    expect(xml).toContain('2026-01-01T11:00:00.000Z');
    expect(xml).not.toContain('>pw<');
  });

  it('escapes the username so it cannot inject XML', () => {
    const xml = usernameToken('a</wsse:Username><x>', 'pw', 0);
    expect(xml).toContain('a&lt;/wsse:Username&gt;&lt;x&gt;');
    expect(xmlEscape(`<>&"'`)).toBe('&lt;&gt;&amp;&quot;&apos;');
  });

  it('hashes non-ASCII passwords as UTF-8', () => {
    const nonce = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
    // Expected value computed outside Node (Python: base64(sha1(nonce + created + 'mật khẩu'.encode('utf8'))));
    // hashing the password's latin1 bytes instead would give '1s2/eDJfr1yT7+agb942eN3SsY0='.
    expect(passwordDigest(nonce, '2026-11-23T12:00:00Z', 'mật khẩu')).toBe('Wk92U19kr/cTdnugM7mcGg4DFlQ=');
  });
});

describe('HTTP Digest', () => {
  it('reproduces the RFC 2617 §3.5 example response', () => {
    const c = pickDigestChallenge(['Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"']);
    expect(c).toMatchObject({ realm: 'testrealm@host.com', qop: 'auth', algorithm: 'MD5' });
    const header = digestAuthorization(c!, 'Mufasa', 'Circle Of Life', 'GET', '/dir/index.html', 1, '0a4f113b');
    expect(header).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(header).toContain('nc=00000001');
    expect(header).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  });

  it('prefers SHA-256 over MD5 and ignores Basic or malformed challenges', () => {
    const c = pickDigestChallenge(['Basic realm="x"', 'Digest realm="r", nonce="n"', 'Digest realm="r", nonce="n2", algorithm=SHA-256', 'Digest nonce-only']);
    expect(c).toMatchObject({ nonce: 'n2', algorithm: 'SHA-256' });
    expect(pickDigestChallenge(['Basic realm="x"'])).toBeUndefined();
    expect(pickDigestChallenge(['Digest realm="r", nonce="n", algorithm=MD5-sess'])).toBeUndefined();
  });
});
