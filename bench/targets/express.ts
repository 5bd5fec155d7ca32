import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { prepare } from './node-http';
import type { StartTarget } from './protocol';

/** One express route returning the service's recorded bytes: express's own cost per request, nothing else. */
export const start: StartTarget = async (input) => {
  const responses = prepare(input);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.get(['/fhir/Patient', '/fhir/Patient/:id'], (req, res) => {
    const hit = responses.get(req.originalUrl);
    if (!hit) {
      res.sendStatus(404);
      return;
    }
    res.status(hit.status).set(hit.headers).send(hit.body);
  });
  const server = http.createServer(app);
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
};
