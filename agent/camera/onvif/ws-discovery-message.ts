/**
 * WS-Discovery (2005/04, as ONVIF Core §7 uses it) messages: the Probe we send and the ProbeMatches
 * cameras answer. Answers are untrusted datagrams from anyone on the LAN, read with the strict
 * XML reader under a small size limit.
 */
import { randomUUID } from 'node:crypto';
import { printable } from './responses.js';
import { child, childrenNamed, parseXml, textAt, XML_LIMITS } from './xml.js';

const WSA = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';
const WSD = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';

/** Datagrams larger than this are not a ProbeMatch from a camera. */
export const MAX_DATAGRAM_BYTES = 64 * 1024;

/** Types probed: ONVIF Core asks devices to answer `dn:NetworkVideoTransmitter`; some only answer `tds:Device`. */
export const PROBE_TYPES = [
  { prefix: 'dn', ns: 'http://www.onvif.org/ver10/network/wsdl', type: 'NetworkVideoTransmitter' },
  { prefix: 'tds', ns: 'http://www.onvif.org/ver10/device/wsdl', type: 'Device' },
] as const;

export function probeMessage(messageId: string, t: (typeof PROBE_TYPES)[number]): Buffer {
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>` +
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="${WSA}" xmlns:d="${WSD}" xmlns:${t.prefix}="${t.ns}">` +
      `<s:Header><a:Action s:mustUnderstand="1">${WSD}/Probe</a:Action><a:MessageID>${messageId}</a:MessageID>` +
      `<a:ReplyTo><a:Address>${WSA}/role/anonymous</a:Address></a:ReplyTo>` +
      `<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>` +
      `<s:Body><d:Probe><d:Types>${t.prefix}:${t.type}</d:Types></d:Probe></s:Body></s:Envelope>`,
    'utf8',
  );
}

export const newMessageId = (): string => `urn:uuid:${randomUUID()}`;

export interface ProbeMatch {
  /** Stable device identity (`urn:uuid:…`), survives IP changes. */
  readonly endpoint: string;
  readonly types: string[];
  readonly scopes: string[];
  readonly xaddrs: string[];
}

export interface ParsedProbeReply {
  readonly relatesTo?: string;
  readonly matches: ProbeMatch[];
}

/** Throws (XmlRejected or Error with a reason) for anything that is not a well-formed ProbeMatches. */
export function parseProbeReply(datagram: Buffer): ParsedProbeReply {
  const root = parseXml(datagram, { ...XML_LIMITS, maxBytes: MAX_DATAGRAM_BYTES, maxElements: 2000 });
  if (root.name !== 'Envelope') throw new Error('not a SOAP envelope');
  const body = child(root, 'Body');
  const pm = child(body, 'ProbeMatches');
  if (!pm) throw new Error('not a ProbeMatches message');
  const relatesTo = textAt(root, 'Header', 'RelatesTo');
  const matches: ProbeMatch[] = [];
  for (const m of childrenNamed(pm, 'ProbeMatch')) {
    const endpoint = textAt(m, 'EndpointReference', 'Address');
    const xaddrs = (textAt(m, 'XAddrs') ?? '').split(/\s+/).filter((x) => x !== '');
    if (endpoint === undefined || xaddrs.length === 0) continue; // a match without an address cannot be probed
    matches.push({
      endpoint: endpoint.slice(0, 200),
      types: (textAt(m, 'Types') ?? '').split(/\s+/).filter((x) => x !== '').slice(0, 16),
      scopes: (textAt(m, 'Scopes') ?? '').split(/\s+/).filter((x) => x !== '').slice(0, 64),
      xaddrs: xaddrs.slice(0, 16),
    });
  }
  if (matches.length === 0) throw new Error('ProbeMatches without a usable ProbeMatch (no endpoint or XAddrs)');
  return { ...(relatesTo !== undefined && { relatesTo }), matches };
}

/** Value of an ONVIF scope such as `onvif://www.onvif.org/name/Corridor%20A`, decoded. */
export function scopeValue(scopes: readonly string[], key: 'name' | 'hardware' | 'location'): string | undefined {
  const prefix = `onvif://www.onvif.org/${key}/`;
  const hit = scopes.find((s) => s.toLowerCase().startsWith(prefix));
  if (hit === undefined) return undefined;
  try {
    return printable(decodeURIComponent(hit.slice(prefix.length)), 64) || undefined;
  } catch {
    return printable(hit.slice(prefix.length), 64) || undefined;
  }
}
