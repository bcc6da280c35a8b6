/**
 * One HTTP POST to a camera with hard limits: a deadline for the whole exchange (not an idle timer,
 * so a reply that trickles a byte at a time still ends) and a cap on the reply size (checked against
 * Content-Length before reading, and while reading). Failures become OnvifError codes.
 */
import http from 'node:http';
import { OnvifError } from './errors.js';

export interface HttpReply {
  readonly status: number;
  /** Header name (lower case) → values, all of them (WWW-Authenticate may repeat). */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  readonly body: Buffer;
}

export interface HttpPostOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /** For error messages: `192.168.10.21:80 GetProfiles`. */
  readonly where: string;
  readonly headers: Readonly<Record<string, string>>;
}

const UNREACHABLE: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused (nothing listens on that port)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
};

function headerMap(raw: readonly string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (let k = 0; k + 1 < raw.length; k += 2) {
    const name = raw[k]!.toLowerCase();
    m.set(name, [...(m.get(name) ?? []), raw[k + 1]!]);
  }
  return m;
}

export function httpPost(url: URL, body: string, opts: HttpPostOptions): Promise<HttpReply> {
  if (url.protocol !== 'http:') {
    return Promise.reject(new OnvifError('not_onvif', opts.where, `unsupported service address scheme "${url.protocol}" (only http: is supported)`));
  }
  return new Promise<HttpReply>((resolve, reject) => {
    let settled = false;
    const finish = (err: OnvifError | null, reply?: HttpReply): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      req.destroy();
      if (err) reject(err);
      else resolve(reply!);
    };
    const req = http.request(
      {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port === '' ? 80 : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        agent: false,
        headers: { ...opts.headers, 'Content-Length': Buffer.byteLength(body) },
      },
      (res) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > opts.maxBytes) {
          finish(new OnvifError('bad_response', opts.where, `reply announces ${declared} bytes, over the ${opts.maxBytes}-byte limit`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > opts.maxBytes) {
            finish(new OnvifError('bad_response', opts.where, `reply exceeds the ${opts.maxBytes}-byte limit`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => finish(null, { status: res.statusCode ?? 0, headers: headerMap(res.rawHeaders), body: Buffer.concat(chunks) }));
        res.on('error', (e: NodeJS.ErrnoException) => finish(new OnvifError('unreachable', opts.where, `reply broken off: ${UNREACHABLE[e.code ?? ''] ?? e.code ?? 'read error'}`)));
      },
    );
    let connected = false;
    req.on('socket', (s) => s.once('connect', () => (connected = true)));
    const deadline = setTimeout(() => {
      finish(
        connected
          ? new OnvifError('timeout', opts.where, `no complete reply within ${opts.timeoutMs} ms`)
          : new OnvifError('unreachable', opts.where, `no connection within ${opts.timeoutMs} ms (host down, wrong address, or a firewall)`),
      );
    }, opts.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => {
      const why = UNREACHABLE[e.code ?? ''];
      if (e.code === 'HPE_INVALID_CONSTANT' || e.code?.startsWith('HPE_')) {
        finish(new OnvifError('not_onvif', opts.where, 'the reply is not HTTP'));
      } else {
        finish(new OnvifError('unreachable', opts.where, why ?? `connection failed (${e.code ?? 'unknown error'})`));
      }
    });
    req.end(body);
  });
}
