import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { corsPolicy, rateLimiter, securityHeaders } from '../../../src/http/security/hardening';

async function serve(app: express.Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('rateLimiter', () => {
  it('answers 429 with Retry-After and an OperationOutcome, per client', async () => {
    const app = express();
    app.use((req, res, next) => {
      const client = req.get('x-client');
      if (client) res.locals.caller = { clientId: client };
      next();
    });
    app.use(rateLimiter(2));
    app.get('/', (_req, res) => res.json({}));
    const { url, close } = await serve(app);
    try {
      const get = (client: string) => fetch(url, { headers: { 'x-client': client } });
      expect((await get('a')).status).toBe(200);
      expect((await get('a')).status).toBe(200);
      const limited = await get('a');
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.json()).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [{ code: 'throttled' }],
      });
      // Another client has its own budget.
      expect((await get('b')).status).toBe(200);
    } finally {
      await close();
    }
  });
});

describe('corsPolicy and securityHeaders', () => {
  it('allows only configured origins and sets security headers', async () => {
    const app = express();
    app.use(securityHeaders(), corsPolicy({ corsOrigins: ['https://app.example'] }));
    app.get('/', (_req, res) => res.json({}));
    const { url, close } = await serve(app);
    try {
      const allowed = await fetch(url, { headers: { origin: 'https://app.example' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
      expect(allowed.headers.get('x-content-type-options')).toBe('nosniff');
      expect(allowed.headers.get('strict-transport-security')).toMatch(/max-age/);
      const other = await fetch(url, { headers: { origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await close();
    }
  });
});
