import http from 'node:http';
import express from 'express';
import { prepare } from './node-http';
import type { StartTarget } from './protocol';
import { listenOnLoopback } from './listen';

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
  return listenOnLoopback(server);
};
