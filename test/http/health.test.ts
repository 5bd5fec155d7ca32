import type { AddressInfo } from 'node:net';
import http from 'node:http';
import pino from 'pino';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { createApp } from '../../src/app';
import type { Executor } from '../../src/fhir/interactions/execute';
import type { HealthOptions } from '../../src/http/health';
import { startTestServer, type TestServer } from '../support/test-server';
import { freePort } from '../../src/store/embedded-postgres';

async function get(url: string) {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, body: (await res.json()) as OperationOutcome };
}

describe('/healthz and /readyz on the real service', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('liveness answers 200 without a token', async () => {
    const res = await get(`${server.service.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('readiness answers 200 without a token once start-up completed and the database answers', async () => {
    const res = await get(`${server.service.url}/readyz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('/readyz during start-up', () => {
  it('is 503 while the demo data loads, and 200 once start-up completed', async () => {
    const port = await freePort();
    const seen: string[] = [];
    let done = false;
    const polling = (async () => {
      while (!done) {
        const res = await get(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
        if (res) seen.push(`${res.status} ${res.body.issue[0].diagnostics}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const server = await startTestServer({ PORT: String(port), LOAD_DEMO_DATA: 'true' });
    done = true;
    await polling;
    try {
      // Listening before the demo data is in; before: /fhir/metadata already answered 200 then.
      expect(seen).toContain('503 startup: migrations and demo data are not loaded yet');
      expect((await get(`${server.service.url}/readyz`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('/readyz reports each failing check', () => {
  async function readiness(options: HealthOptions) {
    const app = createApp({
      executor: {} as Executor,
      logger: pino({ level: 'silent' }),
      maxBodyBytes: 1000,
      maxJsonDepth: 10,
      health: options,
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      return await get(`http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`);
    } finally {
      server.close();
    }
  }

  it('is 503 until start-up (migrations, demo data) completed', async () => {
    const res = await readiness({
      phase: () => 'startup: migrations and demo data are not loaded yet',
      checkDatabase: async () => undefined,
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.body.issue.map((i) => i.diagnostics)).toEqual([
      'startup: migrations and demo data are not loaded yet',
    ]);
  });

  it('is 503 naming the database when it does not answer', async () => {
    const res = await readiness({
      phase: () => undefined,
      checkDatabase: async () => 'the database cannot be reached (ECONNREFUSED)',
    });
    expect(res.status).toBe(503);
    expect(res.body.issue).toEqual([
      expect.objectContaining({
        code: 'transient',
        diagnostics: 'database: the database cannot be reached (ECONNREFUSED)',
      }),
    ]);
  });
});
