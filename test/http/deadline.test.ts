import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { requestDeadline } from '../../src/http/deadline';

/**
 * The deadline counts from the moment the request is in, even when nothing has read its body yet: the
 * outage test saw a POST wait 4 s, because authentication (before the body is read) hung on the database.
 */
it('answers 504 at the deadline for a request whose body nobody has read', async () => {
  const app = express();
  app.use(requestDeadline(300));
  app.use(() => undefined); // hangs, like authentication waiting for a frozen database
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${port}/fhir/Patient`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient' }),
      signal: AbortSignal.timeout(3000),
    });
    expect(res.status).toBe(504);
    expect(Date.now() - started).toBeLessThan(1500);
    const outcome = (await res.json()) as { issue: Array<{ code: string }> };
    expect(outcome.issue[0].code).toBe('timeout');
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
