import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../agent/ops/logger.js';
import { redactText, redactValue } from '../../agent/ops/redact.js';

/** Captures every JSON line the logger writes, as a real destination would receive it. */
function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

const SECRET = 'S3cr3t-Pa55';
const URL = `rtsp://admin:${SECRET}@192.168.10.21:554/Streaming/Channels/102`;

describe('logger redaction', () => {
  it('never writes the password of an RTSP URL in the message', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream });
    log.info(`opening ${URL}`);
    log.flush();
    expect(out.text()).toContain('rtsp://admin:***@192.168.10.21:554');
    expect(out.text()).not.toContain(SECRET);
  });

  it('redacts URLs and secret-named fields inside logged objects, at any depth', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream });
    log.warn({ camera: { source: { url: URL, username: 'admin', password: SECRET } }, key: SECRET }, 'camera config');
    log.flush();
    const line = JSON.parse(out.text()) as { camera: { source: { url: string; username: string; password: string } }; key: string };
    expect(line.camera.source.password).toBe('***');
    expect(line.camera.source.username).toBe('admin');
    expect(line.camera.source.url).toBe('rtsp://admin:***@192.168.10.21:554/Streaming/Channels/102');
    expect(line.key).toBe('***');
    expect(out.text()).not.toContain(SECRET);
  });

  it('redacts errors whose message carries a credential (ffmpeg echoes the URL)', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream });
    log.error({ err: new Error(`${URL}: 401 Unauthorized`) }, 'camera failed');
    log.flush();
    expect(out.text()).toContain('401 Unauthorized');
    expect(out.text()).not.toContain(SECRET);
  });
});

describe('redactText', () => {
  it.each([
    [`rtsp://u:${SECRET}@h/p`, 'rtsp://u:***@h/p'],
    [`mqtts://dev:${SECRET}@hub:8883`, 'mqtts://dev:***@hub:8883'],
    ['rtsp://host:554/p', 'rtsp://host:554/p'],
    ['rtsp://onlyuser@host/p', 'rtsp://onlyuser@host/p'],
    [`<wsse:Password Type="x">${SECRET}</wsse:Password>`, '<wsse:Password Type="x">***</wsse:Password>'],
    [`GET /cgi?user=a&password=${SECRET}&x=1`, 'GET /cgi?user=a&password=***&x=1'],
    [`Authorization: Basic YWRtaW46${SECRET}`, 'Authorization: Basic ***'],
  ])('%s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it('keeps a password containing URL-encoded characters out', () => {
    expect(redactText('rtsp://u:p%40ss%3Aword@h/')).toBe('rtsp://u:***@h/');
  });
});

describe('redactValue', () => {
  it('survives cycles and buffers', () => {
    const a: Record<string, unknown> = { password: 'x', data: Buffer.alloc(10) };
    a.self = a;
    expect(redactValue(a)).toEqual({ password: '***', data: '[Buffer 10 bytes]', self: '[Circular]' });
  });
});
