/**
 * Sends one ONVIF SOAP request and turns the reply into either the response element or an
 * OnvifError with a specific code. Authentication: WS-UsernameToken signed in camera time
 * (local wall clock + the offset learnt from GetSystemDateAndTime); when a camera answers 401 with
 * an HTTP Digest challenge instead, the request is repeated once with Digest.
 */
import type { Clock } from '../../shared/clock.js';
import { redactText, type Logger } from '../../ops/index.js';
import { digestAuthorization, pickDigestChallenge } from './digest-auth.js';
import { OnvifError } from './errors.js';
import { httpPost, type HttpReply } from './http-post.js';
import { child, childrenNamed, parseXml, XmlRejected, type XmlElement } from './xml.js';
import { envelope, NS, usernameToken } from './ws-security.js';

export interface SoapClientOptions {
  /** `host:port`, for messages. */
  readonly label: string;
  readonly username?: string;
  readonly password?: string;
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly logger: Logger;
}

export interface SoapCall {
  readonly url: URL;
  /** Operation name, e.g. `GetProfiles`. */
  readonly op: string;
  /** Namespace of the operation (device or media service). */
  readonly ns: string;
  /** The body element, e.g. `<trt:GetProfiles/>`. */
  readonly body: string;
  readonly auth: boolean;
}

function clean(text: string, max = 160): string {
  // Fault text comes from the camera: keep it printable and short, and never let it carry a secret.
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const t = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return redactText(t.length > max ? `${t.slice(0, max)}…` : t);
}

function looksLikeHtml(reply: HttpReply): boolean {
  const type = reply.headers.get('content-type')?.[0] ?? '';
  const head = reply.body.subarray(0, 256).toString('utf8').trimStart().toLowerCase();
  return type.includes('text/html') || head.startsWith('<!doctype html') || head.startsWith('<html');
}

/** All Code/Subcode values (SOAP 1.2) or faultcode (SOAP 1.1), as text. */
function faultCodes(fault: XmlElement): string[] {
  const out: string[] = [];
  let code = child(fault, 'Code');
  while (code) {
    const v = child(code, 'Value')?.text.trim();
    if (v) out.push(v);
    code = child(code, 'Subcode');
  }
  const v11 = child(fault, 'faultcode')?.text.trim();
  if (v11) out.push(v11);
  return out;
}

function faultReason(fault: XmlElement): string {
  const reason = childrenNamed(child(fault, 'Reason'), 'Text')[0]?.text ?? child(fault, 'faultstring')?.text ?? '';
  return clean(reason);
}

function faultError(fault: XmlElement, status: number, where: string): OnvifError {
  const codes = faultCodes(fault).map((c) => clean(c, 60));
  const reason = faultReason(fault);
  const said = [codes[codes.length - 1], reason].filter((s) => s !== undefined && s !== '').join(': ');
  if (/lock/i.test(`${reason} ${codes.join(' ')}`)) return new OnvifError('locked', where, `the camera says the account is locked (${said})`);
  if (status === 401 || codes.some((c) => /NotAuthorized|FailedAuthentication|InvalidSecurity|Unauthorized/i.test(c))) {
    return new OnvifError('auth_failed', where, `wrong username or password (camera says: ${said || 'not authorized'})`);
  }
  return new OnvifError('fault', where, `the camera returned a SOAP fault: ${said || 'no reason given'}`);
}

/** Interprets one HTTP reply as a SOAP response; returns the first element of the Body. */
export function interpretReply(reply: HttpReply, where: string, sentCredentials: boolean): XmlElement {
  const authFailed = (): OnvifError =>
    new OnvifError('auth_failed', where, sentCredentials ? 'wrong username or password (HTTP 401)' : 'the camera requires a username and password');
  if (looksLikeHtml(reply)) {
    if (reply.status === 401) throw authFailed();
    throw new OnvifError('not_onvif', where, `answered with a web page (HTTP ${reply.status}), not ONVIF SOAP`);
  }
  if (reply.body.length === 0) {
    if (reply.status === 401) throw authFailed();
    throw new OnvifError('not_onvif', where, `empty reply (HTTP ${reply.status})`);
  }
  let root: XmlElement;
  try {
    root = parseXml(reply.body);
  } catch (e) {
    if (!(e instanceof XmlRejected)) throw e;
    if (reply.status === 401) throw authFailed();
    const notXml = !reply.body.subarray(0, 64).toString('utf8').trimStart().startsWith('<');
    if (notXml) throw new OnvifError('not_onvif', where, `the reply is not XML (HTTP ${reply.status})`);
    throw new OnvifError('bad_response', where, `rejected the reply: ${e.message}`);
  }
  if (root.name !== 'Envelope' || (root.ns !== NS.soap12 && root.ns !== NS.soap11)) {
    throw new OnvifError('not_onvif', where, `the reply is XML but not a SOAP envelope (<${clean(root.name, 40)}>)`);
  }
  const body = child(root, 'Body');
  if (!body) throw new OnvifError('bad_response', where, 'SOAP envelope without a Body');
  const fault = child(body, 'Fault');
  if (fault) throw faultError(fault, reply.status, where);
  if (reply.status === 401) throw authFailed();
  if (reply.status < 200 || reply.status > 299) throw new OnvifError('not_onvif', where, `HTTP ${reply.status} without a SOAP fault`);
  const first = body.children[0];
  if (!first) throw new OnvifError('bad_response', where, 'empty SOAP Body');
  return first;
}

export class SoapClient {
  /** Camera clock minus local wall clock, ms; 0 until GetSystemDateAndTime has been read. */
  offsetMs = 0;
  private nc = 0;

  constructor(private readonly opts: SoapClientOptions) {}

  get label(): string {
    return this.opts.label;
  }

  get hasCredentials(): boolean {
    return this.opts.username !== undefined && this.opts.password !== undefined;
  }

  /** Camera time now (epoch ms). */
  cameraNow(): number {
    return this.opts.clock.wall() + this.offsetMs;
  }

  async call(c: SoapCall): Promise<XmlElement> {
    const where = `${this.opts.label} ${c.op}`;
    const withAuth = c.auth && this.hasCredentials;
    const started = this.opts.clock.now();
    const send = (authorization?: string): Promise<HttpReply> => {
      const security = withAuth ? usernameToken(this.opts.username!, this.opts.password!, this.cameraNow()) : undefined;
      return httpPost(c.url, envelope(c.body, security), {
        timeoutMs: this.opts.timeoutMs,
        maxBytes: this.opts.maxBytes,
        where,
        headers: {
          'Content-Type': `application/soap+xml; charset=utf-8; action="${c.ns}/${c.op}"`,
          ...(authorization !== undefined && { Authorization: authorization }),
        },
      });
    };
    let reply = await send();
    const challenge = reply.status === 401 && withAuth ? pickDigestChallenge(reply.headers.get('www-authenticate') ?? []) : undefined;
    if (challenge) {
      this.nc += 1;
      const uri = `${c.url.pathname}${c.url.search}`;
      reply = await send(digestAuthorization(challenge, this.opts.username!, this.opts.password!, 'POST', uri, this.nc));
    }
    this.opts.logger.debug({ camera: this.opts.label, op: c.op, status: reply.status, bytes: reply.body.length, ms: Math.round(this.opts.clock.now() - started) }, 'onvif call');
    return interpretReply(reply, where, withAuth);
  }
}
