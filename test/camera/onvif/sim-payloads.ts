/**
 * What the ONVIF simulator says: well-formed SOAP replies like a Profile S camera's, and the hostile
 * or broken ones a bad camera (or an attacker on the camera VLAN) could send instead.
 */

export const NS_DECL =
  'xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tds="http://www.onvif.org/ver10/device/wsdl" ' +
  'xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema" ' +
  'xmlns:ter="http://www.onvif.org/ver10/error"';

export const soap = (body: string): string => `<?xml version="1.0" encoding="UTF-8"?><s:Envelope ${NS_DECL}><s:Header/><s:Body>${body}</s:Body></s:Envelope>`;

export function fault(subcode: string, reason: string): string {
  return soap(
    `<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>${subcode}</s:Value></s:Subcode></s:Code>` +
      `<s:Reason><s:Text xml:lang="en">${reason}</s:Text></s:Reason></s:Fault>`,
  );
}

export interface SimProfile {
  readonly token: string;
  readonly name: string;
  readonly encoding: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** Path of its stream URI: rtsp://127.0.0.1:8554/<path>. */
  readonly path: string;
}

export const DEFAULT_PROFILES: readonly SimProfile[] = [
  { token: 'Profile_1', name: 'mainStream', encoding: 'H264', width: 1920, height: 1080, fps: 25, path: 'main' },
  { token: 'Profile_2', name: 'subStream', encoding: 'H264', width: 640, height: 360, fps: 10, path: 'sub' },
];

export function dateTimeResponse(cameraMs: number, withTime = true): string {
  const d = new Date(cameraMs);
  const time = withTime ? `<tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` : '';
  return soap(
    `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>Manual</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>` +
      `<tt:TimeZone><tt:TZ>UTC</tt:TZ></tt:TimeZone><tt:UTCDateTime><tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month>` +
      `<tt:Day>${d.getUTCDate()}</tt:Day></tt:Date>${time}</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`,
  );
}

export function deviceInfoResponse(info: { manufacturer: string; model: string; firmware: string; serial: string }, missing = false): string {
  if (missing) return soap(`<tds:GetDeviceInformationResponse><tds:Model>${info.model}</tds:Model></tds:GetDeviceInformationResponse>`);
  return soap(
    `<tds:GetDeviceInformationResponse><tds:Manufacturer>${info.manufacturer}</tds:Manufacturer><tds:Model>${info.model}</tds:Model>` +
      `<tds:FirmwareVersion>${info.firmware}</tds:FirmwareVersion><tds:SerialNumber>${info.serial}</tds:SerialNumber>` +
      `<tds:HardwareId>88</tds:HardwareId></tds:GetDeviceInformationResponse>`,
  );
}

export function capabilitiesResponse(mediaXAddr: string): string {
  return soap(
    `<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Media><tt:XAddr>${mediaXAddr}</tt:XAddr>` +
      `<tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities>` +
      `</tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>`,
  );
}

export function profilesResponse(profiles: readonly SimProfile[], missingResolution = false): string {
  const one = (p: SimProfile): string =>
    `<trt:Profiles token="${p.token}" fixed="true"><tt:Name>${p.name}</tt:Name>` +
    `<tt:VideoEncoderConfiguration token="VE_${p.token}"><tt:Name>VE</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>${p.encoding}</tt:Encoding>` +
    (missingResolution ? '' : `<tt:Resolution><tt:Width>${p.width}</tt:Width><tt:Height>${p.height}</tt:Height></tt:Resolution>`) +
    `<tt:Quality>4</tt:Quality><tt:RateControl><tt:FrameRateLimit>${p.fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval>` +
    `<tt:BitrateLimit>2048</tt:BitrateLimit></tt:RateControl></tt:VideoEncoderConfiguration></trt:Profiles>`;
  // An audio-only profile, as NVRs and some cameras list: must be skipped, not crash anything.
  const audio = `<trt:Profiles token="Audio_1"><tt:Name>audioOnly</tt:Name></trt:Profiles>`;
  return soap(`<trt:GetProfilesResponse>${profiles.map(one).join('')}${profiles.length > 0 ? audio : ''}</trt:GetProfilesResponse>`);
}

export function streamUriResponse(uri: string | null): string {
  const inner = uri === null ? '' : `<tt:Uri>${uri.replace(/&/g, '&amp;')}</tt:Uri>`;
  return soap(
    `<trt:GetStreamUriResponse><trt:MediaUri>${inner}<tt:InvalidAfterConnect>false</tt:InvalidAfterConnect>` +
      `<tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>`,
  );
}

/** The classic "billion laughs": 10 levels of 10x entity references, ~3 GB if expanded. */
export function billionLaughs(): string {
  const levels = ['<!ENTITY lol "lol">'];
  for (let k = 1; k <= 9; k++) levels.push(`<!ENTITY lol${k} "${`&lol${k === 1 ? '' : k - 1};`.repeat(10)}">`);
  return (
    `<?xml version="1.0"?><!DOCTYPE lolz [${levels.join('')}]>` +
    soap(`<tds:GetDeviceInformationResponse><tds:Manufacturer>&lol9;</tds:Manufacturer><tds:Model>x</tds:Model></tds:GetDeviceInformationResponse>`).replace(/^<\?xml[^>]*\?>/, '')
  );
}

/** An external entity (XXE) reading a local file: must never be resolved. */
export function externalEntity(): string {
  return (
    `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` +
    soap(`<tds:GetDeviceInformationResponse><tds:Manufacturer>&xxe;</tds:Manufacturer></tds:GetDeviceInformationResponse>`).replace(/^<\?xml[^>]*\?>/, '')
  );
}

export const deepNesting = (depth: number): string => soap(`${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`);

export const HTML_PAGE = '<!DOCTYPE html><html><head><title>Login</title></head><body><h1>Web login</h1></body></html>';

// ---- WS-Discovery ----

export function probeMatches(relatesTo: string, endpoint: string, xaddrs: string, scopes: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" ` +
    `xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" ` +
    `xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><s:Header><a:MessageID>urn:uuid:${crypto.randomUUID()}</a:MessageID>` +
    `<a:RelatesTo>${relatesTo}</a:RelatesTo><a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>` +
    `<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action></s:Header><s:Body><d:ProbeMatches><d:ProbeMatch>` +
    `<a:EndpointReference><a:Address>${endpoint}</a:Address></a:EndpointReference><d:Types>dn:NetworkVideoTransmitter</d:Types>` +
    `<d:Scopes>${scopes}</d:Scopes><d:XAddrs>${xaddrs}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`
  );
}
