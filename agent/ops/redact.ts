/**
 * Credential redaction applied to every log line, error message and payload that leaves the
 * process. Camera passwords end up in RTSP URLs and ffmpeg's stderr echoes them; ONVIF SOAP
 * bodies carry them; config objects carry them in `password`/`key` fields.
 */

const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:'"]+)(?::([^\s/@'"]*))?@/gi;
const SOAP_PASSWORD = /(<(?:[\w-]+:)?Password\b[^>]*>)([^<]*)(<\/)/gi;
const KEY_VALUE = /\b(password|passwd|pass|pwd|secret|token|api[_-]?key)=([^&\s'"]+)/gi;
const BASIC_AUTH = /\b(Authorization:\s*(?:Basic|Digest|Bearer)\s+)[^\r\n]+/gi;

export const REDACTED = '***';

/** Hide credentials in a free-text string (URLs with user:pass@, SOAP Password elements, k=v pairs). */
export function redactText(text: string): string {
  return text
    .replace(URL_USERINFO, (_m, scheme: string, user: string, pass: string | undefined) =>
      pass === undefined ? `${scheme}${user}@` : `${scheme}${user}:${REDACTED}@`,
    )
    .replace(SOAP_PASSWORD, `$1${REDACTED}$3`)
    .replace(KEY_VALUE, `$1=${REDACTED}`)
    .replace(BASIC_AUTH, `$1${REDACTED}`);
}

const SECRET_KEYS = /^(password|passwd|pass|pwd|secret|token|key|private_?key|api_?key|credentials?)$/i;

/** Deep-copy a value, masking secret-named fields and redacting every string. Cycles are cut. */
export function redactValue(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Buffer.isBuffer(value)) return `[Buffer ${value.length} bytes]`;
  if (value instanceof Error) {
    const out: Record<string, unknown> = { type: value.name, message: redactText(value.message) };
    if (value.stack) out.stack = redactText(value.stack);
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) ? REDACTED : redactValue(v, seen);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEYS.test(k) && v !== null && v !== undefined && v !== '' ? REDACTED : redactValue(v, seen);
  }
  return out;
}
