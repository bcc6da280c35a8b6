import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { listenOn } from '../../hub/listen.js';

describe('listenOn', () => {
  it('reports the bound URL (port 0 resolved) and frees the port on close', async () => {
    const a = await listenOn(createServer(), '127.0.0.1', 0, 'http', 'test server');
    const port = Number(new URL(a.url).port);
    expect(a.url).toBe(`http://127.0.0.1:${port}`);
    await a.close();
    const again = await listenOn(createServer(), '127.0.0.1', port, 'http', 'test server');
    await again.close();
  });

  it('names what could not listen and where when the port is taken', async () => {
    const a = await listenOn(createServer(), '127.0.0.1', 0, 'http', 'first');
    const port = Number(new URL(a.url).port);
    try {
      await expect(listenOn(createServer(), '127.0.0.1', port, 'http', 'hub HTTP')).rejects.toThrow(
        new RegExp(`^hub HTTP cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
      );
    } finally {
      await a.close();
    }
  });
});
