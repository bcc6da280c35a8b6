import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Logger } from '../ops/index.js';

/**
 * A loopback RTSP forwarder that logs in to the camera for ffmpeg, so the camera's password never appears in
 * ffmpeg's command line (`/proc/<pid>/cmdline` is readable by every local user). ffmpeg is given
 * `rtsp://127.0.0.1:PORT/path` without credentials; the forwarder rewrites the URLs between the two, answers the
 * camera's 401 challenge (Basic or Digest) by resending the request with credentials, and adds them to every later
 * request. RTP interleaved over the RTSP connection (`$` frames) passes through untouched. Only connections from
 * processes of the agent's own user are served (checked in /proc/net/tcp): another local user cannot borrow the
 * camera login through it.
 */
export class RtspAuthProxy {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly cam: URL;
  private readonly user: string;
  private readonly password: string;
  /** Connections refused because another user's process opened them. */
  refused = 0;

  constructor(
    url: string,
    private readonly logger?: Logger,
  ) {
    this.cam = new URL(url);
    this.user = decodeURIComponent(this.cam.username);
    this.password = decodeURIComponent(this.cam.password);
    this.cam.username = '';
    this.cam.password = '';
  }

  /** Whether a URL carries credentials that would otherwise go to ffmpeg's argv. */
  static needed(url: string): boolean {
    try {
      const u = new URL(url);
      return u.protocol === 'rtsp:' && (u.username !== '' || u.password !== '');
    } catch {
      return false;
    }
  }

  /** Listens on 127.0.0.1 (any free port); the URL to give ffmpeg, without credentials. */
  async start(): Promise<string> {
    const server = createServer((client) => this.serve(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const u = new URL(this.cam.href);
    u.hostname = '127.0.0.1';
    u.port = String((server.address() as { port: number }).port);
    return u.href;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private serve(client: Socket): void {
    const listenPort = (this.server?.address() as { port: number } | null)?.port ?? 0;
    if (!sameUser(client.remotePort ?? 0, listenPort)) {
      this.refused++;
      this.logger?.warn({ refused: this.refused }, 'RTSP login forwarder: connection from another user refused');
      client.destroy();
      return;
    }
    const camPort = Number(this.cam.port || 554);
    const upstream = connect(camPort, this.cam.hostname);
    this.sockets.add(client).add(upstream);
    const proxyBase = `rtsp://127.0.0.1:${listenPort}`;
    const camBase = `rtsp://${this.cam.host}`;
    const camPattern = new RegExp(`rtsp://([^@/\\s]*@)?${escapeRe(this.cam.hostname)}(:${camPort})?(?=[/\\s;"]|$)`, 'gi');
    let challenge: Challenge | null = null;
    let nc = 0;
    const sent = new Map<string, { method: string; uri: string; head: string[]; body: Buffer; retried: boolean }>();
    const authorize = (method: string, uri: string): string | null => {
      if (!challenge) return null;
      if (challenge.scheme === 'basic') return `Basic ${Buffer.from(`${this.user}:${this.password}`).toString('base64')}`;
      const ha1 = md5(`${this.user}:${challenge.realm}:${this.password}`);
      const ha2 = md5(`${method}:${uri}`);
      const parts = [`username="${this.user}"`, `realm="${challenge.realm}"`, `nonce="${challenge.nonce}"`, `uri="${uri}"`];
      if (challenge.qopAuth) {
        const ncHex = (++nc).toString(16).padStart(8, '0');
        const cnonce = randomBytes(8).toString('hex');
        parts.push(`response="${md5(`${ha1}:${challenge.nonce}:${ncHex}:${cnonce}:auth:${ha2}`)}"`, 'qop=auth', `nc=${ncHex}`, `cnonce="${cnonce}"`);
      } else parts.push(`response="${md5(`${ha1}:${challenge.nonce}:${ha2}`)}"`);
      if (challenge.opaque !== undefined) parts.push(`opaque="${challenge.opaque}"`);
      return `Digest ${parts.join(', ')}`;
    };
    const sendRequest = (r: { method: string; uri: string; head: string[]; body: Buffer }): void => {
      const auth = authorize(r.method, r.uri);
      const lines = [`${r.method} ${r.uri} ${r.head[0]!.split(' ').at(-1)}`, ...r.head.slice(1).filter((l) => !/^authorization:/i.test(l))];
      if (auth) lines.push(`Authorization: ${auth}`);
      upstream.write(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), r.body]));
    };
    /** Why the camera cannot be reached, as ffmpeg's own words for it ("Connection refused"), once known. */
    let unreachable: string | null = null;
    const refuse = (cseq: string | undefined): void => {
      // ffmpeg logs the reason phrase ("method OPTIONS failed: 503 Connection refused"), so the camera's real
      // failure is classified and shown as it would be without the forwarder in between.
      client.end(`RTSP/1.0 503 ${unreachable}\r\n${cseq === undefined ? '' : `CSeq: ${cseq}\r\n`}Content-Length: 0\r\n\r\n`);
    };
    const fromClient = new RtspReader((msg) => {
      if (unreachable !== null) return void (msg.kind === 'msg' ? refuse(header(msg.head, 'cseq')) : undefined);
      if (msg.kind === 'data') return void upstream.write(msg.bytes);
      const [method = '', url = ''] = msg.head[0]!.split(' ');
      const uri = url.startsWith(proxyBase) ? camBase + url.slice(proxyBase.length) : url;
      const head = msg.head.map((l, i) => (i === 0 ? l : l.split(proxyBase).join(camBase)));
      const r = { method, uri, head, body: msg.body, retried: false };
      const cseq = header(head, 'cseq');
      if (cseq !== undefined) sent.set(cseq, r);
      sendRequest(r);
    });
    const fromCamera = new RtspReader((msg) => {
      if (msg.kind === 'data') return void client.write(msg.bytes);
      const cseq = header(msg.head, 'cseq');
      const req = cseq === undefined ? undefined : sent.get(cseq);
      if (/^RTSP\/\d\.\d 401/.test(msg.head[0]!) && req && !req.retried) {
        const offered = msg.head.filter((l) => /^www-authenticate:/i.test(l)).map((l) => l.slice(l.indexOf(':') + 1).trim());
        challenge = pickChallenge(offered);
        if (challenge) {
          req.retried = true;
          sendRequest(req);
          return; // ffmpeg never sees the challenge: it has no credentials to answer it with
        }
      }
      if (cseq !== undefined) sent.delete(cseq);
      const body = Buffer.from(msg.body.toString('latin1').replace(camPattern, proxyBase), 'latin1');
      const head = msg.head.map((l) => (/^content-length:/i.test(l) ? `Content-Length: ${body.length}` : l.replace(camPattern, proxyBase)));
      client.write(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]));
    });
    client.on('data', (b: Buffer) => fromClient.push(b));
    upstream.on('data', (b: Buffer) => fromCamera.push(b));
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    let connected = false;
    upstream.once('connect', () => (connected = true));
    upstream.on('close', () => {
      if (unreachable === null) close();
    });
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      this.logger?.debug({ err: err.message }, 'RTSP login forwarder: camera connection failed');
      if (connected) return close();
      unreachable = SOCKET_ERRORS[err.code ?? ''] ?? `Camera unreachable (${err.code ?? err.message})`;
      const pending = [...sent.keys()];
      if (pending.length > 0) refuse(pending[0]);
      // ffmpeg sends its first request at once; if it never does, do not keep the connection forever.
      setTimeout(close, 10_000).unref();
    });
  }
}

/** ffmpeg's wording for the connect errors its classifier knows (decode/ffmpeg-errors.ts). */
const SOCKET_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'Connection refused',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ENOTFOUND: 'Camera host name not found',
  EAI_AGAIN: 'Camera host name not found',
};

interface Challenge {
  readonly scheme: 'basic' | 'digest';
  readonly realm: string;
  readonly nonce: string;
  readonly opaque?: string;
  readonly qopAuth: boolean;
}

function pickChallenge(offered: readonly string[]): Challenge | null {
  const digest = offered.find((c) => /^digest\s/i.test(c));
  if (digest) {
    const p = (k: string): string | undefined => new RegExp(`${k}="?([^",]*)"?`, 'i').exec(digest)?.[1];
    const opaque = p('opaque');
    return {
      scheme: 'digest',
      realm: p('realm') ?? '',
      nonce: p('nonce') ?? '',
      ...(opaque !== undefined && { opaque }),
      qopAuth: (p('qop') ?? '').split(/\s*,\s*/).includes('auth'),
    };
  }
  return offered.some((c) => /^basic/i.test(c)) ? { scheme: 'basic', realm: '', nonce: '', qopAuth: false } : null;
}

type RtspMessage = { kind: 'data'; bytes: Buffer } | { kind: 'msg'; head: string[]; body: Buffer };

/** Splits a byte stream into RTSP messages (head + Content-Length body) and interleaved `$` frames. */
class RtspReader {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly onMessage: (m: RtspMessage) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      if (this.buf.length === 0) return;
      if (this.buf[0] === 0x24) {
        if (this.buf.length < 4) return;
        const end = 4 + this.buf.readUInt16BE(2);
        if (this.buf.length < end) return;
        this.emit({ kind: 'data', bytes: this.buf.subarray(0, end) }, end);
        continue;
      }
      const headEnd = this.buf.indexOf('\r\n\r\n');
      if (headEnd < 0) {
        if (this.buf.length > 64 * 1024) this.buf = Buffer.alloc(0); // not RTSP: drop rather than grow
        return;
      }
      const head = this.buf.subarray(0, headEnd).toString('latin1').split('\r\n');
      const length = Number(header(head, 'content-length') ?? 0);
      const end = headEnd + 4 + length;
      if (this.buf.length < end) return;
      this.emit({ kind: 'msg', head, body: Buffer.from(this.buf.subarray(headEnd + 4, end)) }, end);
    }
  }

  private emit(m: RtspMessage, consumed: number): void {
    this.buf = this.buf.subarray(consumed);
    this.onMessage(m);
  }
}

function header(head: readonly string[], name: string): string | undefined {
  const line = head.slice(1).find((l) => l.toLowerCase().startsWith(`${name}:`));
  return line?.slice(name.length + 1).trim();
}

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The connecting socket belongs to a process of this user (its row in /proc/net/tcp*, by the ports). */
function sameUser(clientPort: number, listenPort: number): boolean {
  const uid = process.getuid?.();
  if (uid === undefined) return true; // not Linux: no per-user check possible
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 8) continue;
      if (f[1]!.endsWith(`:${hex(clientPort)}`) && f[2]!.endsWith(`:${hex(listenPort)}`)) return Number(f[7]) === uid;
    }
  }
  return false;
}
