/**
 * Checks a GetStreamUri answer before ffmpeg sees it, and adds or hides credentials. Cameras answer
 * with `http://` URIs, `rtsp://0.0.0.0/…`, URIs with their own user:password inside, or garbage.
 */
import { REDACTED } from '../../ops/index.js';
import { OnvifError } from './errors.js';

/** A clean `rtsp://host[:port]/path` (no credentials), or OnvifError('bad_stream_uri'). */
export function checkStreamUri(raw: string, deviceHost: string, where: string): { uri: string; notes: string[] } {
  const notes: string[] = [];
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new OnvifError('bad_stream_uri', where, 'GetStreamUri returned something that is not a URL');
  }
  if (url.protocol !== 'rtsp:' && url.protocol !== 'rtsps:') {
    throw new OnvifError('bad_stream_uri', where, `GetStreamUri returned a ${url.protocol.replace(/:$/, '').slice(0, 10)}: URI, not rtsp:`);
  }
  if (url.username !== '' || url.password !== '') {
    // Some firmwares put the account into the URI; ours is added only where ffmpeg needs it.
    url.username = '';
    url.password = '';
    notes.push('the camera put credentials into the stream URI; they were removed');
  }
  if (url.hostname === '' || url.hostname === '0.0.0.0') {
    url.hostname = deviceHost;
    notes.push(`the stream URI had no usable host; using ${deviceHost}`);
  }
  return { uri: url.toString(), notes };
}

/** The URI with URL-encoded credentials inserted (ffmpeg decodes them for Basic and Digest auth). */
export function streamUriWithCredentials(uri: string, username: string, password: string, where: string): string {
  if (username.includes(':')) {
    // ffmpeg splits user:pass at the first ':' after decoding, so no encoding can carry it.
    throw new OnvifError('bad_stream_uri', where, 'an RTSP username cannot contain ":"');
  }
  const m = /^(rtsps?:\/\/)(.*)$/i.exec(uri);
  if (!m) throw new OnvifError('bad_stream_uri', where, 'not an rtsp: URI');
  return `${m[1]}${encodeURIComponent(username)}:${encodeURIComponent(password)}@${m[2]}`;
}

/** For output: user shown, password replaced. */
export function redactedStreamUri(uri: string, username: string | undefined): string {
  if (username === undefined) return uri;
  const m = /^(rtsps?:\/\/)(.*)$/i.exec(uri);
  return m ? `${m[1]}${encodeURIComponent(username)}:${REDACTED}@${m[2]}` : uri;
}
