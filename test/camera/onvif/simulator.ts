/**
 * An ONVIF device simulator for tests: an HTTP SOAP server on 127.0.0.1 (device + media services)
 * that checks WS-UsernameToken like a real camera (digest, Created within a few seconds of *its own*
 * clock, no nonce reuse, lockout after N wrong tries), optionally HTTP Digest instead, and a UDP
 * WS-Discovery responder. Every reply can be swapped for a hostile or broken one.
 *
 * It parses requests with regular expressions on purpose: it must not share code (or bugs) with
 * the client under test.
 */
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as P from './sim-payloads.js';

export type Op = 'GetSystemDateAndTime' | 'GetDeviceInformation' | 'GetCapabilities' | 'GetProfiles' | 'GetStreamUri';
export type HostileMode =
  | 'billion-laughs'
  | 'external-entity'
  | 'huge-body'
  | 'huge-content-length'
  | 'never-ends'
  | 'not-xml'
  | 'html'
  | 'missing-fields'
  | 'deep-nesting'
  | 'no-profiles'
  | 'bad-uri'
  | 'not-soap';

export interface SimulatorOptions {
  readonly username?: string;
  readonly password?: string;
  /** Camera clock minus real time. */
  readonly clockOffsetMs?: number;
  /** Max |Created − camera time| accepted, like Axis/Hikvision replay protection. */
  readonly maxSkewMs?: number;
  /** Lock the account after this many wrong tries (0 = never). */
  readonly lockoutAfter?: number;
  readonly profiles?: readonly P.SimProfile[];
  readonly hostile?: Partial<Record<Op, HostileMode>>;
  /** Refuse WS-Security and demand HTTP Digest (401 challenge) instead. */
  readonly httpDigest?: boolean;
  readonly serial?: string;
  readonly endpoint?: string;
  /** Extra datagram sent before the real ProbeMatches. */
  readonly hostileDiscovery?: 'billion-laughs' | 'garbage' | 'wrong-relates-to';
  /** Host advertised in the WS-Discovery XAddrs (default 127.0.0.1). */
  readonly xaddrHost?: string;
  /** Loopback address the HTTP (SOAP) server listens on (default 127.0.0.1; WS-Discovery answers from 127.0.0.1). */
  readonly httpHost?: string;
  /** Demand a login even for GetSystemDateAndTime (against the spec, as some firmwares do). */
  readonly clockNeedsAuth?: boolean;
}

export type AuthOutcome = 'none' | 'ok' | 'wrong' | 'stale' | 'replay' | 'locked' | 'digest-ok' | 'digest-challenge';

const HUGE = 50 * 1024 * 1024;
const PRE_AUTH: ReadonlySet<Op> = new Set(['GetSystemDateAndTime']);

export class OnvifSimulator {
  readonly calls: { op: string; auth: AuthOutcome }[] = [];
  /** Bytes of hostile bodies actually written before the client hung up. */
  hostileBytesWritten = 0;
  /** Set once the huge-body response's socket closed (the client hung up) or the body was all sent. */
  hostileBodyEnded = false;
  failedAttempts = 0;
  private readonly nonces = new Set<string>();
  private readonly digestNonce = randomBytes(8).toString('hex');
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly server: http.Server;
  private readonly udp: dgram.Socket;
  private multicast: dgram.Socket | undefined;
  readonly username: string;
  readonly password: string;
  readonly endpoint: string;

  private constructor(readonly opts: SimulatorOptions) {
    this.username = opts.username ?? 'admin';
    this.password = opts.password ?? 'Secr3t-Pass';
    this.endpoint = opts.endpoint ?? `urn:uuid:${crypto.randomUUID()}`;
    this.server = http.createServer((req, res) => this.onHttp(req, res));
    this.udp = dgram.createSocket('udp4');
    this.udp.on('message', (m, r) => this.onProbe(this.udp, m, r));
  }

  static async start(opts: SimulatorOptions = {}): Promise<OnvifSimulator> {
    const sim = new OnvifSimulator(opts);
    await new Promise<void>((r) => sim.server.listen(0, opts.httpHost ?? '127.0.0.1', r));
    await new Promise<void>((r) => sim.udp.bind(0, '127.0.0.1', r));
    return sim;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get discoveryPort(): number {
    return this.udp.address().port;
  }

  /** Also answer multicast probes on the loopback interface; returns the port to probe, or an error text. */
  async joinMulticast(group = '239.255.255.250'): Promise<number | string> {
    const s = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    s.on('message', (m, r) => this.onProbe(s, m, r));
    await new Promise<void>((r) => s.bind(0, r));
    try {
      s.addMembership(group, '127.0.0.1');
    } catch (e) {
      s.close();
      return e instanceof Error ? e.message : String(e);
    }
    this.multicast = s;
    return s.address().port;
  }

  cameraNow(): number {
    return Date.now() + (this.opts.clockOffsetMs ?? 0);
  }

  get locked(): boolean {
    const n = this.opts.lockoutAfter ?? 0;
    return n > 0 && this.failedAttempts >= n;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
    this.udp.close();
    this.multicast?.close();
  }

  // ---- HTTP / SOAP ----

  private onHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const op = /<s:Body>\s*<(?:\w+:)?(\w+)/.exec(body)?.[1] ?? 'unknown';
      const auth = this.authenticate(op as Op, body, req.headers.authorization);
      this.calls.push({ op, auth });
      if (auth === 'digest-challenge') {
        res.writeHead(401, { 'WWW-Authenticate': `Digest realm="sim", qop="auth", nonce="${this.digestNonce}", algorithm=MD5`, 'Content-Type': 'text/plain' });
        res.end('Unauthorized');
        return;
      }
      if (auth === 'locked') return this.send(res, 400, P.fault('ter:NotAuthorized', 'Account locked: too many failed login attempts'));
      if (auth === 'wrong' || auth === 'stale' || auth === 'replay') return this.send(res, 400, P.fault('ter:NotAuthorized', 'Sender not Authorized'));
      const mode = this.opts.hostile?.[op as Op];
      if (mode) return this.hostile(res, op as Op, mode);
      this.answer(res, op as Op, req.url ?? '', body);
    });
  }

  private authenticate(op: Op, body: string, authorization: string | undefined): AuthOutcome {
    if (this.opts.httpDigest) {
      if (this.preAuth(op)) return 'none';
      if (this.locked) return 'locked';
      if (authorization === undefined || !authorization.startsWith('Digest ')) return 'digest-challenge';
      const ok = this.checkDigest(authorization);
      if (!ok) this.failedAttempts++;
      return ok ? 'digest-ok' : this.locked ? 'locked' : 'digest-challenge';
    }
    const user = /<(?:\w+:)?Username>([^<]*)</.exec(body)?.[1];
    if (user === undefined) return this.preAuth(op) ? 'none' : 'wrong';
    if (this.locked) return 'locked';
    const digest = /<(?:\w+:)?Password[^>]*>([^<]*)</.exec(body)?.[1] ?? '';
    const nonce = /<(?:\w+:)?Nonce[^>]*>([^<]*)</.exec(body)?.[1] ?? '';
    const created = /<(?:\w+:)?Created[^>]*>([^<]*)</.exec(body)?.[1] ?? '';
    const expected = createHash('sha1')
      .update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created), Buffer.from(this.password)]))
      .digest('base64');
    if (user !== this.username || digest !== expected) {
      this.failedAttempts++;
      return this.locked ? 'locked' : 'wrong';
    }
    if (Math.abs(Date.parse(created) - this.cameraNow()) > (this.opts.maxSkewMs ?? 5000)) return 'stale';
    if (this.nonces.has(nonce)) return 'replay';
    this.nonces.add(nonce);
    this.failedAttempts = 0;
    return 'ok';
  }

  private preAuth(op: Op): boolean {
    return PRE_AUTH.has(op) && !this.opts.clockNeedsAuth;
  }

  private checkDigest(header: string): boolean {
    const p = new Map([...header.matchAll(/(\w+)="?([^",]*)"?/g)].map((m) => [m[1]!, m[2]!]));
    const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
    const ha1 = md5(`${p.get('username')}:sim:${this.password}`);
    const ha2 = md5(`POST:${p.get('uri')}`);
    const want = md5(`${ha1}:${this.digestNonce}:${p.get('nc')}:${p.get('cnonce')}:auth:${ha2}`);
    return p.get('username') === this.username && p.get('nonce') === this.digestNonce && p.get('response') === want;
  }

  private send(res: http.ServerResponse, status: number, xml: string): void {
    res.writeHead(status, { 'Content-Type': 'application/soap+xml; charset=utf-8' });
    res.end(xml);
  }

  private answer(res: http.ServerResponse, op: Op, url: string, body: string): void {
    const profiles = this.opts.profiles ?? P.DEFAULT_PROFILES;
    switch (op) {
      case 'GetSystemDateAndTime':
        return this.send(res, 200, P.dateTimeResponse(this.cameraNow()));
      case 'GetDeviceInformation':
        return this.send(res, 200, P.deviceInfoResponse({ manufacturer: 'SimCam', model: 'SC-2021', firmware: 'V5.5.0', serial: this.opts.serial ?? 'SC2021-0001-ABCD' }));
      case 'GetCapabilities':
        // A different host than the one we are reached at (as behind NAT): the client must keep using ours.
        return this.send(res, 200, P.capabilitiesResponse(`http://127.0.0.2:${this.port}/onvif/media_service`));
      case 'GetProfiles':
        if (!url.startsWith('/onvif/media_service')) return this.send(res, 400, P.fault('ter:ActionNotSupported', 'media is at /onvif/media_service'));
        return this.send(res, 200, P.profilesResponse(profiles));
      case 'GetStreamUri': {
        const token = /ProfileToken>([^<]*)</.exec(body)?.[1];
        const p = profiles.find((x) => x.token === token);
        if (!p) return this.send(res, 400, P.fault('ter:NoProfile', 'no such profile'));
        return this.send(res, 200, P.streamUriResponse(`rtsp://127.0.0.1:8554/${p.path}`));
      }
      default:
        return this.send(res, 400, P.fault('ter:ActionNotSupported', `unknown operation ${String(op)}`));
    }
  }

  private hostile(res: http.ServerResponse, op: Op, mode: HostileMode): void {
    const xml = (body: string): void => this.send(res, 200, body);
    switch (mode) {
      case 'billion-laughs':
        return xml(P.billionLaughs());
      case 'external-entity':
        return xml(P.externalEntity());
      case 'deep-nesting':
        return xml(P.deepNesting(100_000));
      case 'not-xml':
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        return void res.end('RTSP/1.0 200 OK\r\nthis is not SOAP');
      case 'html':
        res.writeHead(200, { 'Content-Type': 'text/html' });
        return void res.end(P.HTML_PAGE);
      case 'not-soap':
        return xml('<?xml version="1.0"?><config><user>admin</user></config>');
      case 'no-profiles':
        return xml(P.profilesResponse([]));
      case 'bad-uri':
        return xml(P.streamUriResponse('http://127.0.0.1/snapshot.jpg'));
      case 'missing-fields':
        if (op === 'GetSystemDateAndTime') return xml(P.dateTimeResponse(this.cameraNow(), false));
        if (op === 'GetDeviceInformation') return xml(P.deviceInfoResponse({ manufacturer: '', model: 'OnlyModel', firmware: '', serial: '' }, true));
        if (op === 'GetProfiles') return xml(P.profilesResponse(this.opts.profiles ?? P.DEFAULT_PROFILES, true));
        return xml(P.streamUriResponse(null));
      case 'huge-content-length':
        res.writeHead(200, { 'Content-Type': 'application/soap+xml', 'Content-Length': String(HUGE) });
        return this.trickle(res);
      case 'never-ends':
        res.writeHead(200, { 'Content-Type': 'application/soap+xml' });
        res.write(`<?xml version="1.0"?><s:Envelope ${P.NS_DECL}><s:Body>`);
        return this.trickle(res);
      case 'huge-body':
        return this.flood(res);
    }
  }

  /** One byte every 20 ms, forever (until the client hangs up): defeats idle timeouts. */
  private trickle(res: http.ServerResponse): void {
    const t = setInterval(() => {
      if (res.destroyed) {
        clearInterval(t);
        this.timers.delete(t);
        return;
      }
      res.write(' ');
    }, 20);
    this.timers.add(t);
  }

  /** 50 MB of well-formed-looking SOAP, generated as the socket drains (never held in memory). */
  private flood(res: http.ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'application/soap+xml' });
    res.write(`<?xml version="1.0"?><s:Envelope ${P.NS_DECL}><s:Body><tds:GetDeviceInformationResponse><tds:Manufacturer>`);
    const chunk = Buffer.alloc(64 * 1024, 'A');
    const pump = (): void => {
      while (!res.destroyed && this.hostileBytesWritten < HUGE) {
        this.hostileBytesWritten += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end('</tds:Manufacturer></tds:GetDeviceInformationResponse></s:Body></s:Envelope>');
    };
    res.on('error', () => undefined);
    res.once('close', () => (this.hostileBodyEnded = true));
    pump();
  }

  // ---- WS-Discovery ----

  private onProbe(socket: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const text = msg.toString('utf8');
    const id = /<(?:\w+:)?MessageID>([^<]+)</.exec(text)?.[1];
    if (id === undefined || !/Probe>/.test(text) || !/NetworkVideoTransmitter/.test(text)) return;
    const reply = (s: string): void => socket.send(Buffer.from(s), rinfo.port, rinfo.address);
    const host = this.opts.xaddrHost ?? '127.0.0.1';
    const xaddrs = `http://${host}:${this.port}/onvif/device_service http://[fe80::1]:${this.port}/onvif/device_service`;
    const scopes = 'onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/name/Sim%20Corridor onvif://www.onvif.org/hardware/SC-2021';
    if (this.opts.hostileDiscovery === 'billion-laughs') reply(P.billionLaughs());
    if (this.opts.hostileDiscovery === 'garbage') reply('\u0000\u0001 not xml at all <<<');
    if (this.opts.hostileDiscovery === 'wrong-relates-to') reply(P.probeMatches('urn:uuid:00000000-0000-0000-0000-000000000000', 'urn:uuid:intruder', xaddrs, scopes));
    reply(P.probeMatches(id, this.endpoint, xaddrs, scopes));
  }
}
