/**
 * Every way talking to a camera can fail, as a code a program can branch on plus one sentence an
 * installer can act on. Messages name the device address and the ONVIF call, never a password,
 * digest or a stream URI with credentials.
 */

export type OnvifErrorCode =
  /** Nothing answers at the address/port (refused, no route, DNS). */
  | 'unreachable'
  /** It answered too slowly or never finished its reply. */
  | 'timeout'
  /** Something answers, but not with ONVIF SOAP (a web page, garbage, a different service). */
  | 'not_onvif'
  /** The camera refused the username/password. */
  | 'auth_failed'
  /** The camera says the account is locked (usually after too many wrong passwords). */
  | 'locked'
  /** No media profile with a video encoder. */
  | 'no_media_profile'
  /** GetStreamUri gave nothing ffmpeg can open. */
  | 'bad_stream_uri'
  /** The reply was SOAP but hostile, broken, too large, or missing required fields. */
  | 'bad_response'
  /** The camera answered with a SOAP fault that none of the codes above describe. */
  | 'fault';

const HINTS: Readonly<Record<OnvifErrorCode, string>> = {
  unreachable: 'check the address, port (ONVIF is often 80, 8000 or 8899), cabling and VLAN',
  timeout: 'the camera may be overloaded, or the address belongs to something else',
  not_onvif: 'enable ONVIF in the camera web page (often off by default), or check the port',
  auth_failed: 'check the ONVIF user: many cameras keep ONVIF users separate from web users',
  locked: 'wait for the lock to expire (often 30 min) or unlock it in the camera web page; do not retry now',
  no_media_profile: 'create a media profile with a video encoder in the camera web page',
  bad_stream_uri: 'configure the camera with an rtsp: source instead',
  bad_response: 'the camera firmware sent something this agent does not accept',
  fault: 'see the camera manual or update its firmware',
};

export class OnvifError extends Error {
  constructor(
    readonly code: OnvifErrorCode,
    /** Where: `192.168.10.21:80 GetProfiles`. */
    readonly where: string,
    readonly detail: string,
  ) {
    super(`${where}: ${detail} (${HINTS[code]})`);
    this.name = 'OnvifError';
  }
}

export function isOnvifError(e: unknown, code?: OnvifErrorCode): e is OnvifError {
  return e instanceof OnvifError && (code === undefined || e.code === code);
}
