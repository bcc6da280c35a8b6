import { redactText, REDACTED } from '../ops/index.js';

/**
 * What went wrong with a camera stream, in terms an installer can act on. ffmpeg only says
 * "exit code 1"; the reason is in its stderr, which these patterns read.
 */
export type FfmpegErrorKind =
  | 'auth_failed'
  | 'not_found'
  | 'refused'
  | 'timeout'
  | 'bad_stream'
  | 'codec_unsupported'
  | 'hwaccel_failed'
  | 'spawn_failed'
  | 'unknown';

export interface FfmpegError {
  readonly kind: FfmpegErrorKind;
  /** One human sentence plus ffmpeg's own (redacted) line; safe to log and to send to the hub. */
  readonly message: string;
  /** The stderr line the classification rests on, redacted; null when there was none. */
  readonly detail: string | null;
}

export interface ClassifyContext {
  readonly inputKind: 'file' | 'rtsp';
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** Frames the run delivered; a silent RTSP server is told apart from garbage by this and the runtime. */
  readonly frames?: number;
  readonly runtimeMs?: number;
  readonly ioTimeoutMs?: number;
  /**
   * True when the run asked for a hardware decoder that cannot fall back by itself (vaapi, qsv).
   * Only then are device errors the reason: with `auto`, ffmpeg prints them while it probes and
   * then decodes in software, so they say nothing about why a run ended.
   */
  readonly hwaccelStrict?: boolean;
}

interface Rule {
  readonly kind: Exclude<FfmpegErrorKind, 'spawn_failed' | 'unknown'>;
  readonly pattern: RegExp;
}

// Seen with ffmpeg 5.1 on a machine without a usable GPU (no /dev/dri, no VA driver, qsv_device
// that does not open) and from drivers that refuse a stream's profile.
const HWACCEL_RULE: Rule = {
  kind: 'hwaccel_failed',
  pattern:
    /Device creation failed|No device available for decoder|Device setup failed|No VA display|Failed to initiali[sz]e (?:VAAPI|QSV|MFX)|Error (?:creating|initializing) (?:a )?MFX session|for option '(?:qsv_device|hwaccel_device|hwaccel)'|Failed setup for format (?:vaapi|qsv)|hwaccel initiali[sz]ation returned error/i,
};

// Most specific first: a 401 run also logs generic lines, and the tcp layer's "Connection to
// tcp://host?timeout=N failed: Connection refused" contains the word timeout.
const RULES: readonly Rule[] = [
  { kind: 'auth_failed', pattern: /\b40[13]\b|Unauthorized|authorization failed|Forbidden/i },
  { kind: 'codec_unsupported', pattern: /Decoder \(codec [^)]*\) not found|Unknown decoder|Unsupported codec|codec not currently supported/i },
  // Case-sensitive: "moov atom not found" and "Decoder ... not found" are something else.
  { kind: 'not_found', pattern: /\b404\b|Not Found|No such file or directory/ },
  { kind: 'refused', pattern: /Connection refused|No route to host|Network is unreachable/i },
  { kind: 'timeout', pattern: /timed out|ETIMEDOUT/i },
  { kind: 'bad_stream', pattern: /Invalid data found|moov atom not found|Invalid NAL|error while decoding|could not find codec parameters/i },
];

function explain(kind: FfmpegErrorKind, ctx: ClassifyContext): string {
  const rtsp = ctx.inputKind === 'rtsp';
  switch (kind) {
    case 'auth_failed':
      return 'the camera rejected the username or password (check the credentials configured for this camera)';
    case 'not_found':
      return rtsp
        ? 'the camera has no stream at this path (check the stream URL or ONVIF profile)'
        : 'the input file does not exist';
    case 'refused':
      return rtsp
        ? 'could not connect to the camera (check its IP address and RTSP port, and that RTSP is enabled)'
        : 'could not open the input';
    case 'timeout':
      return 'the camera did not answer in time (check the network path and that the address is a camera)';
    case 'bad_stream':
      return rtsp ? 'the camera sent data that is not a readable video stream' : 'the input is not a readable video file';
    case 'codec_unsupported':
      return "this ffmpeg cannot decode the stream's video codec (set the camera's stream to H.264)";
    case 'hwaccel_failed':
      return 'hardware decoding could not start (check the GPU driver and /dev/dri access, or set hwaccel: none)';
    case 'spawn_failed':
      return 'ffmpeg could not be started';
    case 'unknown':
      return ctx.signal ? `ffmpeg was killed by ${ctx.signal}` : `ffmpeg exited with code ${ctx.exitCode ?? 'unknown'}`;
  }
}

// The whole userinfo of a URL. redactText keeps the user name (useful in logs); messages that may
// reach the hub or a dashboard drop it too, since camera user names are often shared across a site.
const URL_USERINFO_ALL = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]+@/gi;

/** Make a stderr line readable and safe: no memory addresses, no credentials, bounded length. */
export function cleanStderrLine(line: string, secrets: readonly string[] = []): string {
  const text = redactText(scrubSecrets(line, secrets))
    .replace(URL_USERINFO_ALL, `$1${REDACTED}@`)
    .replace(/ @ 0x[0-9a-f]+\]/gi, ']')
    .trim();
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/**
 * Literal secrets (a camera's password, as written in its URL) removed from text. redactText
 * handles `user:pass@` in well-formed URLs; this covers passwords with `@` or `/` in them, which
 * break URL parsing in both ffmpeg's echo and the regex.
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    // Very short "secrets" would shred ordinary words; the URL pattern already covers those.
    if (s.length >= 4) out = out.split(s).join(REDACTED);
  }
  return out;
}

/** The user name and password inside an RTSP URL, raw and percent-decoded, for `scrubSecrets`. */
export function urlSecrets(url: string): string[] {
  // Greedy up to the last @ before the path: a password may itself contain @ or #.
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/\s]*)@/i.exec(url);
  if (!m?.[1]) return [];
  const userinfo = m[1];
  const colon = userinfo.indexOf(':');
  const parts = colon < 0 ? [userinfo] : [userinfo.slice(0, colon), userinfo.slice(colon + 1)];
  const out = new Set<string>();
  for (const p of parts) {
    if (!p) continue;
    out.add(p);
    try {
      out.add(decodeURIComponent(p));
    } catch {
      // A malformed %-escape cannot be decoded; the raw form is still scrubbed.
    }
  }
  // Longest first, so a password that contains the user name is removed whole.
  return [...out].sort((a, b) => b.length - a.length);
}

/**
 * Classify a finished ffmpeg run from its (already cleaned) stderr lines. Returns null for a
 * clean end (exit 0 with nothing on stderr, e.g. a non-looping file reached its end).
 */
export function classifyFfmpegExit(lines: readonly string[], ctx: ClassifyContext): FfmpegError | null {
  // A strict hwaccel that failed is checked first: its device errors end the run before the
  // stream is read, and a missing render node reads "No such file or directory" (not a 404).
  for (const rule of ctx.hwaccelStrict ? [HWACCEL_RULE, ...RULES] : RULES) {
    const hit = findLast(lines, (l) => rule.pattern.test(l));
    if (hit === undefined) continue;
    // ffmpeg 5.1 reports "no RTSP reply within -timeout" as "Invalid data found", both against a
    // silent server and against one that sends bytes that are not RTSP (seen with random bytes):
    // runtime at least the I/O timeout with nothing decoded means no valid answer came in time.
    if (rule.kind === 'bad_stream' && ctx.inputKind === 'rtsp' && isSilentTimeout(ctx)) {
      return make('timeout', hit, ctx, NO_RTSP_ANSWER);
    }
    return make(rule.kind, hit, ctx);
  }
  if (ctx.exitCode === 0 && ctx.signal === null) return null;
  return make('unknown', lines.at(-1) ?? null, ctx);
}

const NO_RTSP_ANSWER =
  'no valid RTSP answer came within the I/O timeout (the port is silent or speaks another protocol: check the RTSP port)';

function isSilentTimeout(ctx: ClassifyContext): boolean {
  return (
    (ctx.frames ?? 0) === 0 &&
    ctx.runtimeMs !== undefined &&
    ctx.ioTimeoutMs !== undefined &&
    ctx.runtimeMs >= ctx.ioTimeoutMs * 0.9
  );
}

/** An error for a run that never started (the ffmpeg binary is missing or not executable). */
export function spawnFailedError(ffmpegPath: string, cause: NodeJS.ErrnoException): FfmpegError {
  const why =
    cause.code === 'ENOENT'
      ? `ffmpeg was not found at '${ffmpegPath}'; install it with \`apt-get install ffmpeg\` (Debian package ffmpeg)`
      : cause.code === 'EACCES'
        ? `'${ffmpegPath}' is not executable; install Debian's ffmpeg with \`apt-get install ffmpeg\``
        : `ffmpeg could not be started from '${ffmpegPath}' (${cause.code ?? cause.message})`;
  return { kind: 'spawn_failed', message: redactText(why), detail: null };
}

function make(kind: FfmpegErrorKind, detail: string | null, ctx: ClassifyContext, why = explain(kind, ctx)): FfmpegError {
  const safe = detail === null ? null : redactText(detail);
  const message = safe ? `${why} [ffmpeg: ${safe}]` : why;
  return { kind, message, detail: safe };
}

function findLast(lines: readonly string[], pred: (l: string) => boolean): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i];
    if (l !== undefined && pred(l)) return l;
  }
  return undefined;
}
