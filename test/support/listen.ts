import { createServer } from 'node:http';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  url: string;
  close(): Promise<void>;
}

/**
 * Listens on a free loopback port first and builds the handler after, because the handler
 * (through PUBLIC_URL) has to know the address it is served from.
 */
export async function listenOnLoopback(makeHandler: (url: string) => RequestListener | Promise<RequestListener>): Promise<Listening> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    server.on('request', await makeHandler(url));
  } catch (error) {
    server.close();
    throw error;
  }
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
