import type { Server } from 'node:net';

export interface Listening {
  /** `scheme://host:port` as bound (port 0 resolved, IPv6 in brackets). */
  readonly url: string;
  close(): Promise<void>;
}

/** Binds an HTTP(S) server; the error names what could not listen and where. */
export async function listenOn(server: Server, host: string, port: number, scheme: 'http' | 'https', what: string): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new Error(`${what} cannot listen on ${host}:${port}: ${e.message}`)));
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const bound = addr && typeof addr === 'object' ? addr.port : port;
  const closeAll = (server as Server & { closeAllConnections?: () => void }).closeAllConnections?.bind(server);
  return {
    url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        closeAll?.();
      }),
  };
}
