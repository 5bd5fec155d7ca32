import fs from 'node:fs';
import http from 'node:http';
import type { Fixture } from '../load-data';
import type { StartTarget } from './protocol';
import { listenOnLoopback } from './listen';

/** A Map lookup by URL: the most a Node HTTP server can do per request, sending the service's recorded bytes. */
export interface Prepared {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export function prepare(fixtureFile: string | undefined): Map<string, Prepared> {
  if (!fixtureFile) throw new Error('fixture file missing');
  const fixtures = JSON.parse(fs.readFileSync(fixtureFile, 'utf8')) as Fixture[];
  return new Map(
    fixtures.map((f) => {
      const body = Buffer.from(f.body, 'utf8');
      return [
        f.path,
        { status: f.status, headers: { ...f.headers, 'content-length': String(body.length) }, body },
      ];
    }),
  );
}

export const start: StartTarget = async (input) => {
  const responses = prepare(input);
  const server = http.createServer((req, res) => {
    // The referral scenario's reference: read the whole POSTed Bundle and echo it (no parsing, no database).
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        res
          .writeHead(200, { 'content-type': 'application/fhir+json', 'content-length': String(body.length) })
          .end(body);
      });
      return;
    }
    const hit = responses.get(req.url ?? '');
    if (!hit) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(hit.status, hit.headers).end(hit.body);
  });
  return listenOnLoopback(server);
};
