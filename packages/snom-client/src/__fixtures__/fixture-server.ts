import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fixture received. */
export interface FixtureRequest {
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** A tiny node:http server on 127.0.0.1:0 whose answers a test scripts. */
export interface FixtureServer {
  host: string;
  requests: FixtureRequest[];
  close(): Promise<void>;
}

/** Starts a fixture server; `handler` answers each request (or destroys the socket). */
export async function startFixture(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<FixtureServer> {
  const requests: FixtureRequest[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
