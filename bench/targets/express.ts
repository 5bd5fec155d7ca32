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
  // Every FHIR path the bench replays (reads, searches, the region scenarios).
  app.get(/^\/fhir\//, (req, res) => {
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
