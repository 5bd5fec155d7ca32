import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StartedTarget } from './protocol';

/** Listens on a free loopback port and returns the target's URLs and a close that drops kept-alive sockets. */
export async function listenOnLoopback(server: http.Server): Promise<StartedTarget> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseUrl: `${url}/fhir`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
