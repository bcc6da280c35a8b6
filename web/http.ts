import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request the dashboard refuses: the status and a short message for the JSON body (never a stack). */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** Largest request body accepted (JSON of a login, an ack note, a snooze). */
export const MAX_BODY_BYTES = 16 * 1024;

export const CSP =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** Headers every answer carries, whatever it is. */
export function securityHeaders(res: ServerResponse, tls: boolean): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  if (tls) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
}

/**
 * JSON with `<`, `>` and `&` written as \u escapes: the same value for any JSON parser, but no byte sequence a
 * browser could ever take for markup, even if the body were somehow rendered as HTML.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(safeJson(body), 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': bytes.length, 'Cache-Control': 'no-store' });
  res.end(bytes);
}

export function sendBytes(res: ServerResponse, type: string, bytes: Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'Cache-Control': 'no-store', ...headers, 'Content-Type': type, 'Content-Length': bytes.length });
  res.end(bytes);
}

/**
 * The request's JSON body as an object. Size is checked before parsing (Content-Length first, then the bytes
 * as they arrive): 413 over MAX_BODY_BYTES, 415 when not JSON, 400 when malformed or not an object.
 */
export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  if (type !== 'application/json') throw new HttpError(415, 'expected Content-Type: application/json');
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'request body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HttpError(400, 'request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** A string field of a JSON body, checked; `optional` gives undefined when absent or null. */
export function stringField(body: Record<string, unknown>, name: string, min: number, max: number, optional: true): string | undefined;
export function stringField(body: Record<string, unknown>, name: string, min: number, max: number, optional?: false): string;
export function stringField(body: Record<string, unknown>, name: string, min: number, max: number, optional = false): string | undefined {
  const v = body[name];
  if ((v === undefined || v === null) && optional) return undefined;
  if (typeof v !== 'string') throw new HttpError(400, `${name}: expected a string`);
  if (v.length < min || v.length > max) throw new HttpError(400, `${name}: expected ${min}..${max} characters, got ${v.length}`);
  // Control characters (other than tab/newline in notes) have no business in names or notes; refuse rather than store.
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(v)) throw new HttpError(400, `${name}: contains control characters`);
  return v;
}

/** The client's address for the audit log. */
export function clientIp(req: IncomingMessage): string | null {
  return req.socket.remoteAddress ?? null;
}
