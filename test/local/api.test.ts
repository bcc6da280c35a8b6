/**
 * The dashboard's JSON API over real HTTP, a real Store and real Argon2id: authentication, the security checks
 * (lockout, CSRF, roles, Host, hostile input, body limits) and the guards' features (events, ack, snooze, CSV).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PASSWORD, call, camera, login, openStream, startRig, violation, type Rig } from './harness.js';

let rig: Rig;
afterEach(async () => rig?.close());

const PROTECTED: [string, string][] = [
  ['GET', '/api/session'],
  ['DELETE', '/api/session'],
  ['GET', '/api/events'],
  ['GET', '/api/events.csv'],
  ['GET', '/api/events/01900000-0000-7000-8000-000000000001'],
  ['POST', '/api/events/01900000-0000-7000-8000-000000000001/ack'],
  ['GET', '/api/stream'],
  ['GET', '/api/cameras'],
  ['GET', '/api/cameras/cam-1/preview.jpg'],
  ['GET', '/api/cameras/cam-1/overlay'],
  ['POST', '/api/cameras/cam-1/snooze'],
  ['DELETE', '/api/cameras/cam-1/snooze'],
  ['GET', '/api/snoozes'],
  ['GET', '/api/health'],
  ['GET', '/api/audit'],
  ['GET', '/api/users'],
  ['POST', '/api/users'],
  ['PATCH', '/api/users/an'],
  ['GET', '/api/snapshots/01900000-0000-7000-8000-000000000001'],
];

function audit(r: Rig): { action: string; user: string | null; target: string | null }[] {
  return r.store.dashboard('test', (q) => q.auditPage(1000));
}

describe('sessions', () => {
  it('answers 401 with no data on every protected route without a session, and with a forged cookie', async () => {
    rig = await startRig();
    rig.record(violation());
    for (const [method, path] of PROTECTED) {
      for (const cookie of [undefined, 'qmon_session=forged']) {
        const a = await call(rig.port, path, { method, ...(cookie && { cookie }) });
        expect(a.status, `${method} ${path}`).toBe(401);
        expect(a.json(), `${method} ${path}`).toEqual({ error: 'login required' });
      }
    }
  });

  it('logs in with the right password only, sets a strict HttpOnly cookie, and logout ends the session', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    expect((await call(rig.port, '/api/session', { method: 'POST', body: { username: 'an', password: 'wrong password!' } })).status).toBe(401);
    expect((await call(rig.port, '/api/session', { method: 'POST', body: { username: 'nobody', password: PASSWORD } })).status).toBe(401);
    const ok = await call(rig.port, '/api/session', { method: 'POST', body: { username: 'an', password: PASSWORD } });
    expect(ok.status).toBe(200);
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toMatch(/^qmon_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const cookie = setCookie.split(';')[0]!;
    const me = await call(rig.port, '/api/session', { cookie });
    expect(me.json()).toMatchObject({ user: 'an', role: 'guard', facility: { timezone: 'Asia/Ho_Chi_Minh' } });
    const csrf = me.json<{ csrf: string }>().csrf;
    expect((await call(rig.port, '/api/session', { method: 'DELETE', cookie })).status).toBe(403); // no CSRF token
    expect((await call(rig.port, '/api/session', { method: 'DELETE', cookie, csrf })).status).toBe(204);
    expect((await call(rig.port, '/api/session', { cookie })).status).toBe(401);
    expect(audit(rig).map((e) => e.action)).toEqual(['logout', 'login', 'login_failed', 'login_failed']);
  });

  it('locks a user out after 5 failures (429 with Retry-After, even with the right password), and unlocks 15 min later', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    for (let i = 0; i < 5; i++) {
      expect((await call(rig.port, '/api/session', { method: 'POST', body: { username: 'an', password: `wrong-${i}-password` } })).status).toBe(401);
    }
    const locked = await call(rig.port, '/api/session', { method: 'POST', body: { username: 'an', password: PASSWORD } });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
    expect(audit(rig).filter((e) => e.action === 'login_failed')).toHaveLength(5);
    rig.clock.advance(15 * 60_000 + 1000);
    expect((await call(rig.port, '/api/session', { method: 'POST', body: { username: 'an', password: PASSWORD } })).status).toBe(200);
  });

  it('ends a session after the idle time and when the account changes (disabled from elsewhere)', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    await rig.addUser('binh', 'guard');
    const an = await login(rig.port, 'an');
    rig.clock.advance(31 * 60_000);
    expect((await call(rig.port, '/api/events', { cookie: an.cookie })).status).toBe(401);
    const binh = await login(rig.port, 'binh');
    expect((await call(rig.port, '/api/events', { cookie: binh.cookie })).status).toBe(200);
    rig.clock.advance(1);
    rig.store.dashboard('test', (q) => q.setDisabled('binh', true, rig.clock.wall()));
    expect((await call(rig.port, '/api/events', { cookie: binh.cookie })).status).toBe(401);
  });

  it('creates the first admin with the printed one-time code only, once', async () => {
    rig = await startRig();
    expect((await call(rig.port, '/api/setup')).json()).toEqual({ needed: true });
    const code = /setup code ([A-Z0-9-]{14})/.exec(rig.said.join('\n'))?.[1];
    expect(code).toBeDefined();
    const wrong = await call(rig.port, '/api/setup', { method: 'POST', body: { code: 'AAAA-BBBB-CCCC', username: 'boss', password: PASSWORD } });
    expect(wrong.status).toBe(403);
    const weak = await call(rig.port, '/api/setup', { method: 'POST', body: { code, username: 'boss', password: 'short' } });
    expect(weak.status).toBe(400);
    const ok = await call(rig.port, '/api/setup', { method: 'POST', body: { code, username: 'boss', password: PASSWORD } });
    expect(ok.status).toBe(201);
    expect(ok.json()).toMatchObject({ user: 'boss', role: 'admin' });
    expect((await call(rig.port, '/api/setup')).json()).toEqual({ needed: false });
    const again = await call(rig.port, '/api/setup', { method: 'POST', body: { code, username: 'boss2', password: PASSWORD } });
    expect(again.status).toBe(409);
  });
});

describe('request checks', () => {
  it('refuses a Host that is not the listen address or a configured name (DNS rebinding), on every path', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    for (const host of ['evil.example', `evil.example:${rig.port}`, `127.0.0.1:${rig.port + 1}`, 'attacker.127.0.0.1.nip.io']) {
      expect((await call(rig.port, '/api/events', { cookie: s.cookie, host })).status, host).toBe(421);
      expect((await call(rig.port, '/', { host })).status, host).toBe(421);
      expect((await call(rig.port, '/api/session', { method: 'POST', host, body: { username: 'an', password: PASSWORD } })).status).toBe(421);
    }
    // HTTP/1.0 allows no Host at all: refused too.
    const bare = await new Promise<string>((resolve) => {
      const sock = connect(rig.port, '127.0.0.1', () => sock.end('GET / HTTP/1.0\r\n\r\n'));
      let text = '';
      sock.on('data', (d) => (text += d.toString()));
      sock.on('close', () => resolve(text));
    });
    expect(bare).toMatch(/^HTTP\/1\.[01] 421 /);
    for (const host of [`localhost:${rig.port}`, `qmon-pc.local:${rig.port}`]) {
      expect((await call(rig.port, '/api/events', { cookie: s.cookie, host })).status, host).toBe(200);
    }
  });

  it('refuses a state change without the CSRF token, with a wrong one, or from another origin', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    const v = violation();
    rig.record(v);
    const path = `/api/events/${v.eventId}/ack`;
    expect((await call(rig.port, path, { method: 'POST', cookie: s.cookie, body: {} })).status).toBe(403);
    expect((await call(rig.port, path, { method: 'POST', cookie: s.cookie, csrf: 'x'.repeat(43), body: {} })).status).toBe(403);
    const cross = await call(rig.port, path, { method: 'POST', cookie: s.cookie, csrf: s.csrf, body: {}, headers: { origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    expect((await call(rig.port, path, { method: 'POST', cookie: s.cookie, csrf: s.csrf, body: {} })).status).toBe(200);
  });

  it('keeps each role to its routes', async () => {
    rig = await startRig();
    await rig.addUser('guard1', 'guard');
    await rig.addUser('admin1', 'admin');
    await rig.addUser('audit1', 'auditor');
    const g = await login(rig.port, 'guard1');
    const a = await login(rig.port, 'admin1');
    const au = await login(rig.port, 'audit1');
    for (const path of ['/api/users', '/api/events.csv', '/api/audit']) expect((await call(rig.port, path, { cookie: g.cookie })).status, path).toBe(403);
    const add = await call(rig.port, '/api/users', { method: 'POST', cookie: g.cookie, csrf: g.csrf, body: { username: 'x', role: 'admin', password: PASSWORD } });
    expect(add.status).toBe(403);
    for (const path of ['/api/events', '/api/stream', '/api/cameras', '/api/users']) expect((await call(rig.port, path, { cookie: au.cookie })).status, path).toBe(403);
    expect((await call(rig.port, '/api/audit', { cookie: au.cookie })).status).toBe(200);
    expect((await call(rig.port, '/api/audit', { cookie: a.cookie })).status).toBe(403);
    expect((await call(rig.port, '/api/users', { cookie: a.cookie })).status).toBe(200);
    const demote = await call(rig.port, '/api/users/admin1', { method: 'PATCH', cookie: a.cookie, csrf: a.csrf, body: { role: 'guard' } });
    expect(demote.status).toBe(409); // the last admin
  });

  it('answers malformed, oversized, unknown and wrong-method requests with 4xx and keeps serving', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    const post = (raw: string, headers: Record<string, string> = {}) =>
      call(rig.port, '/api/session', { method: 'POST', raw, headers: { 'content-type': 'application/json', ...headers } });
    expect((await post('{"username": ')).status).toBe(400);
    expect((await post('[1,2]')).status).toBe(400);
    expect((await post('{"username": 5, "password": "x"}')).status).toBe(400);
    expect((await post('username=an', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await post(`{"username": "${'a'.repeat(20_000)}"}`)).status).toBe(413);
    expect((await call(rig.port, '/api/nope', { cookie: s.cookie })).status).toBe(404);
    const wrong = await call(rig.port, '/api/events', { method: 'PUT', cookie: s.cookie });
    expect(wrong.status).toBe(405);
    expect(wrong.headers['allow']).toBe('GET');
    expect((await call(rig.port, '/api/events?limit=abc', { cookie: s.cookie })).status).toBe(400);
    expect((await call(rig.port, "/api/events?camera=x'%20OR%201=1", { cookie: s.cookie })).status).toBe(400);
    expect((await call(rig.port, `/api/events?before=${'9'.repeat(5000)}`, { cookie: s.cookie })).status).toBe(414);
    expect((await call(rig.port, '/api/events', { cookie: s.cookie })).status).toBe(200);
  });

  it('sends the strict CSP and no-sniff headers on every answer, page and API', async () => {
    rig = await startRig();
    for (const path of ['/', '/api/events', '/nope.js']) {
      const a = await call(rig.port, path);
      expect(a.headers['content-security-policy']).toContain("default-src 'self'");
      expect(a.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(a.headers['x-content-type-options']).toBe('nosniff');
      expect(a.headers['referrer-policy']).toBe('no-referrer');
    }
  });
});

describe('hostile input', () => {
  const XSS = '<img src=x onerror=alert(1)><script>alert(2)</script>';

  it('returns script payloads in names and notes as inert JSON text', async () => {
    rig = await startRig({ cameras: [camera('cam-1', XSS)] });
    await rig.addUser('an', 'guard');
    await rig.addUser('binh', 'guard');
    const s = await login(rig.port, 'an');
    const v = violation({ zoneId: 'z"><svg onload=alert(3)>', lineId: undefined });
    rig.record(v);
    const ack = await call(rig.port, `/api/events/${v.eventId}/ack`, { method: 'POST', cookie: s.cookie, csrf: s.csrf, body: { note: XSS } });
    expect(ack.status).toBe(200);
    const other = await login(rig.port, 'binh');
    for (const path of ['/api/events', `/api/events/${v.eventId}`, '/api/cameras']) {
      const a = await call(rig.port, path, { cookie: other.cookie });
      expect(a.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(a.text).not.toMatch(/[<>]/);
      expect(a.text).toContain('\\u003cscript\\u003e');
    }
    const e = (await call(rig.port, `/api/events/${v.eventId}`, { cookie: other.cookie })).json();
    expect(e).toMatchObject({ note: XSS, camera_name: XSS, zone_id: 'z"><svg onload=alert(3)>', acked_by: 'an' });
  });

  it('never serves a file outside the snapshots folder, whatever the stored path or the URL says', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    writeFileSync(join(rig.dir, 'secret.txt'), 'secret');
    mkdirSync(join(rig.dir, 'snapshots'), { recursive: true });
    writeFileSync(join(rig.dir, 'snapshots', 'good.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    const snap = (file: string) => ({ sha256: '0'.repeat(64), bytes: 4, w: 1, h: 1, redaction: 'faces-blurred' as const, file });
    const bad = [violation({ snapshot: snap('snapshots/../secret.txt') }), violation({ snapshot: snap('/etc/passwd') }), violation({ snapshot: snap('../secret.txt') })];
    for (const v of bad) {
      rig.record(v);
      const a = await call(rig.port, `/api/snapshots/${v.eventId}`, { cookie: s.cookie });
      expect(a.status).toBe(404);
      expect(a.text).not.toContain('secret');
    }
    const good = violation({ snapshot: snap('snapshots/good.jpg') });
    rig.record(good);
    const ok = await call(rig.port, `/api/snapshots/${good.eventId}`, { cookie: s.cookie });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('image/jpeg');
    expect(audit(rig).filter((e) => e.action === 'snapshot_view').map((e) => e.target)).toEqual([good.eventId]);
    for (const path of ['/api/snapshots/../secret.txt', '/api/snapshots/..%2fsecret.txt', '/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/../../package.json', '/.hidden.js']) {
      const a = await call(rig.port, path, { cookie: s.cookie });
      expect(a.status, path).toBe(404);
    }
  });

  it('serves an event\'s context picture from the stored event (audited), 404 when it has none or it lies outside snapshots/', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    writeFileSync(join(rig.dir, 'secret.txt'), 'secret');
    mkdirSync(join(rig.dir, 'snapshots'), { recursive: true });
    writeFileSync(join(rig.dir, 'snapshots', 'e-c1.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
    const pic = (file: string) => ({ sha256: '0'.repeat(64), bytes: 4, w: 640, h: 577, redaction: 'faces-blurred' as const, file });
    const none = violation();
    const outside = violation({ context: pic('snapshots/../secret.txt') });
    const good = violation({ context: pic('snapshots/e-c1.jpg') });
    for (const v of [none, outside, good]) rig.record(v);
    expect((await call(rig.port, `/api/events/${none.eventId}/context`, { cookie: s.cookie })).status).toBe(404);
    const bad = await call(rig.port, `/api/events/${outside.eventId}/context`, { cookie: s.cookie });
    expect([bad.status, bad.text.includes('secret')]).toEqual([404, false]);
    const ok = await call(rig.port, `/api/events/${good.eventId}/context`, { cookie: s.cookie });
    expect([ok.status, ok.headers['content-type']]).toEqual([200, 'image/jpeg']);
    expect((await call(rig.port, `/api/events/${good.eventId}/context`)).status, 'no session').toBe(401);
    expect(audit(rig).filter((e) => e.action === 'context_view').map((e) => e.target)).toEqual([good.eventId]);
    const e = (await call(rig.port, `/api/events/${good.eventId}`, { cookie: s.cookie })).json();
    expect(e.context).toEqual({ url: `/api/events/${good.eventId}/context`, w: 640, h: 577, bytes: 4 });
    expect((await call(rig.port, `/api/events/${none.eventId}`, { cookie: s.cookie })).json().context).toBeNull();
  });
});

describe('guards at work', () => {
  it('streams a recorded violation within 1 s, and the acknowledgement with its note to every other session', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    await rig.addUser('binh', 'guard');
    const an = await login(rig.port, 'an');
    const binh = await login(rig.port, 'binh');
    const stream = openStream(rig.port, binh.cookie);
    await stream.opened;
    const v = violation();
    const t0 = Date.now();
    rig.record(v);
    const msg = await stream.next((m) => m.data.includes(v.eventId));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(JSON.parse(msg.data)).toMatchObject({ event_id: v.eventId, camera_name: 'Gate 1', line_id: 'door', direction: 'in', acked_by: null });
    expect(msg.id).toMatch(/^\d+$/);
    await call(rig.port, `/api/events/${v.eventId}/ack`, { method: 'POST', cookie: an.cookie, csrf: an.csrf, body: { note: 'checked on camera' } });
    const acked = await stream.next((m) => m.data.includes('checked on camera'));
    expect(JSON.parse(acked.data)).toMatchObject({ event_id: v.eventId, acked_by: 'an', note: 'checked on camera' });
    const seen = (await call(rig.port, '/api/events?acked=true', { cookie: binh.cookie })).json<{ events: { acked_by: string; acked_at: string }[] }>();
    expect(seen.events).toEqual([expect.objectContaining({ acked_by: 'an', acked_at: expect.any(String) as string })]);
    const again = await call(rig.port, `/api/events/${v.eventId}/ack`, { method: 'POST', cookie: binh.cookie, csrf: binh.csrf, body: {} });
    expect(again.status).toBe(409);
    expect(audit(rig).filter((e) => e.action === 'ack')).toEqual([expect.objectContaining({ user: 'an', target: v.eventId })]);
    stream.close();
  });

  it('updates an open violation in place: one event per event_id, its latest revision', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    const v = violation({ type: 'gathering', state: 'new', endedAt: null, people: 3 });
    rig.record(v);
    rig.record({ ...v, rev: 2, state: 'update', people: 5 });
    const list = (await call(rig.port, '/api/events', { cookie: s.cookie })).json<{ events: { event_id: string; rev: number; people: number }[] }>();
    expect(list.events).toEqual([expect.objectContaining({ event_id: v.eventId, rev: 2, people: 5 })]);
  });

  it('pages and filters the history', async () => {
    rig = await startRig({ cameras: [camera('cam-1', 'A'), camera('cam-2', 'B')] });
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    const vs = Array.from({ length: 5 }, (_, i) => violation({ cameraId: i % 2 ? 'cam-2' : 'cam-1' }, Date.UTC(2026, 5, 1, 8, i)));
    for (const v of vs) rig.record(v);
    const p1 = (await call(rig.port, '/api/events?limit=2', { cookie: s.cookie })).json<{ events: { event_id: string }[]; next_before: string }>();
    expect(p1.events.map((e) => e.event_id)).toEqual([vs[4]!.eventId, vs[3]!.eventId]);
    const p2 = (await call(rig.port, `/api/events?limit=2&before=${p1.next_before}`, { cookie: s.cookie })).json<{ events: { event_id: string }[] }>();
    expect(p2.events.map((e) => e.event_id)).toEqual([vs[2]!.eventId, vs[1]!.eventId]);
    const cam2 = (await call(rig.port, '/api/events?camera=cam-2', { cookie: s.cookie })).json<{ events: unknown[] }>();
    expect(cam2.events).toHaveLength(2);
    const from = new Date(Date.UTC(2026, 5, 1, 8, 3)).toISOString();
    const late = (await call(rig.port, `/api/events?from=${from}`, { cookie: s.cookie })).json<{ events: unknown[] }>();
    expect(late.events).toHaveLength(2);
  });

  it('snoozes a camera with a reason, marks its new events snoozed, and ends the snooze by itself', async () => {
    rig = await startRig();
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    const short = await call(rig.port, '/api/cameras/cam-1/snooze', { method: 'POST', cookie: s.cookie, csrf: s.csrf, body: { minutes: 5, reason: 'x' } });
    expect(short.status).toBe(400);
    const ok = await call(rig.port, '/api/cameras/cam-1/snooze', { method: 'POST', cookie: s.cookie, csrf: s.csrf, body: { minutes: 15, reason: 'painters in corridor' } });
    expect(ok.status).toBe(201);
    const cams = (await call(rig.port, '/api/cameras', { cookie: s.cookie })).json<{ cameras: { snooze: unknown }[] }>();
    expect(cams.cameras[0]!.snooze).toMatchObject({ reason: 'painters in corridor', by: 'an' });
    rig.clock.advance(60_000);
    const during = violation({}, rig.clock.wall());
    rig.record(during);
    rig.clock.advance(15 * 60_000);
    const after = violation({}, rig.clock.wall());
    rig.record(after);
    expect((await call(rig.port, '/api/snoozes', { cookie: s.cookie })).json()).toEqual({ snoozes: [] });
    const evs = (await call(rig.port, '/api/events', { cookie: s.cookie })).json<{ events: { event_id: string; snoozed: boolean }[] }>();
    expect(evs.events.map((e) => [e.event_id, e.snoozed])).toEqual([[after.eventId, false], [during.eventId, true]]);
    expect(audit(rig).filter((e) => e.action === 'snooze')).toHaveLength(1);
  });

  it('tells open streams when a snooze is set, ended early, and when one ends by itself', async () => {
    rig = await startRig({ cameras: [camera('cam-1', 'A'), camera('cam-2', 'B')] });
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    const stream = openStream(rig.port, s.cookie);
    await stream.opened;
    const snooze = (cam: string) => call(rig.port, `/api/cameras/${cam}/snooze`, { method: 'POST', cookie: s.cookie, csrf: s.csrf, body: { minutes: 15, reason: 'maintenance' } });
    await snooze('cam-1');
    await snooze('cam-2');
    await stream.next((m) => m.event === 'snooze' && m.data.includes('"cam-2"'));
    expect((await call(rig.port, '/api/cameras/cam-1/snooze', { method: 'DELETE', cookie: s.cookie, csrf: s.csrf })).status).toBe(200);
    await stream.next((m) => m.event === 'snooze' && m.data === '{"camera_id":"cam-1","snooze":null}');
    expect((await call(rig.port, '/api/cameras/cam-1/snooze', { method: 'DELETE', cookie: s.cookie, csrf: s.csrf })).status).toBe(404);
    rig.clock.advance(15 * 60_000);
    rig.server.checkSnoozes();
    await stream.next((m) => m.event === 'snooze' && m.data === '{"camera_id":"cam-2","snooze":null}');
    expect(audit(rig).map((e) => e.action).filter((a) => a.startsWith('snooze'))).toEqual(['snooze_end', 'snooze', 'snooze']);
    stream.close();
  });

  it('exports CSV for admins with formula cells neutralised, audited', async () => {
    rig = await startRig({ cameras: [camera('cam-1', '=cmd|" /C calc"!A0')] });
    await rig.addUser('boss', 'admin');
    const s = await login(rig.port, 'boss');
    const v = violation();
    rig.record(v);
    await call(rig.port, `/api/events/${v.eventId}/ack`, { method: 'POST', cookie: s.cookie, csrf: s.csrf, body: { note: '+SUM(1,2)\nsecond line' } });
    const a = await call(rig.port, '/api/events.csv', { cookie: s.cookie });
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(a.headers['content-disposition']).toMatch(/^attachment; filename="qmon-events-2026-06-01\.csv"$/);
    const [header, row] = a.text.split('\r\n');
    expect(header).toMatch(/^event_id,type,state,/);
    expect(row).toContain(`"'=cmd|"" /C calc""!A0"`);
    expect(a.text).toContain(`"'+SUM(1,2)\nsecond line"`);
    expect(audit(rig).filter((e) => e.action === 'export')).toHaveLength(1);
  });

  it('serves the overlay geometry and the blurred preview the agent hands over', async () => {
    rig = await startRig({ preview: (id) => Promise.resolve(id === 'cam-1' ? Buffer.from([0xff, 0xd8, 0xff, 0xd9]) : null) });
    await rig.addUser('an', 'guard');
    const s = await login(rig.port, 'an');
    const o = (await call(rig.port, '/api/cameras/cam-1/overlay', { cookie: s.cookie })).json();
    expect(o).toEqual({
      camera_id: 'cam-1',
      width: 320,
      height: 240,
      lines: [{ id: 'door', name: 'Cửa chính', points: [[10, 10], [10, 200]], direction: 'in' }],
      zones: [{ id: 'room-1', name: 'Phòng 1', polygon: [[0, 0], [100, 0], [100, 100]] }],
    });
    expect((await call(rig.port, '/api/cameras/cam-1/preview.jpg', { cookie: s.cookie })).headers['content-type']).toBe('image/jpeg');
    expect((await call(rig.port, '/api/cameras/nope/overlay', { cookie: s.cookie })).status).toBe(404);
  });
});

/** An SSE client over node:http that collects messages and waits for one matching a condition. */
