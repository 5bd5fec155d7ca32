import type { AddressInfo } from 'node:net';
import http from 'node:http';
import pino from 'pino';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { createApp } from '../../src/app';
import type { Executor } from '../../src/fhir/interactions/execute';
import type { HealthOptions } from '../../src/http/health';
import { startTestServer, type TestServer } from '../support/test-server';

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
    const res = await readiness({ started: () => false, checkDatabase: async () => undefined });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(res.body.issue.map((i) => i.diagnostics)).toEqual([
      'startup: migrations and demo data are not loaded yet',
    ]);
  });

  it('is 503 naming the database when it does not answer', async () => {
    const res = await readiness({
      started: () => true,
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
