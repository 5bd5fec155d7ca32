import pg from 'pg';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { loadConfig } from '../../src/config';
import { startService, type RunningService } from '../../src/server';
import { nlCoreExample } from '../support/fixtures';
import { requestToken } from '../support/test-server';
import { startOwnPostgres, type OwnPostgres } from './own-postgres';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Issue 8 §3: a database that stops or hangs under load must not kill the service. Before the fix the process
 * died of an unhandled 'error' event (Connection terminated unexpectedly) on a checked-out client, requests got
 * 500 while the database was down, and every request hung while it was frozen.
 */

interface Outcome {
  status: number;
  retryAfter: string | null;
  body: unknown;
  started: number;
  ms: number;
}

const PATIENT_ID = 'reliability-1';
let postgres: OwnPostgres;

beforeAll(async () => {
  postgres = await startOwnPostgres();
}, 120_000);

afterAll(async () => {
  await postgres?.destroy();
});

async function startOn(database: string, env: Record<string, string>): Promise<RunningService> {
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(postgres.url);
  url.pathname = `/${database}`;
  return startService(
    loadConfig({
      DATABASE_URL: url.toString(),
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      LOAD_DEMO_DATA: 'false',
      NODE_ENV: 'test',
      DB_CONNECT_TIMEOUT_MS: '1000',
      ...env,
    }),
  );
}

async function call(url: string, init: RequestInit = {}): Promise<Outcome> {
  const started = Date.now();
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: kept as text for the failure message.
  }
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body,
    started,
    ms: Date.now() - started,
  };
}

function patientRequests(service: RunningService, token: string) {
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/fhir+json' };
  const url = `${service.baseUrl}/Patient/${PATIENT_ID}`;
  const body = JSON.stringify({ ...nlCoreExample('nl-core-Patient-01'), id: PATIENT_ID });
  return {
    read: () => call(url, { headers }),
    write: () => call(url, { method: 'PUT', headers, body }),
  };
}

/** Workers calling read and write in turn until stopped; every outcome is kept. */
function load(service: RunningService, token: string, workers = 6) {
  const requests = patientRequests(service, token);
  const outcomes: Outcome[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; running; i++) {
      const outcome = await ((i + w) % 2 ? requests.write() : requests.read()).catch(
        (err: Error): Outcome => ({
          status: 0,
          retryAfter: null,
          body: err.message,
          started: Date.now(),
          ms: 0,
        }),
      );
      outcomes.push(outcome);
      // A refused request comes back at once; do not spin.
      if (outcome.status >= 500) await sleep(50);
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

function expectUnavailable(outcome: Outcome): void {
  expect(outcome.retryAfter).toMatch(/^\d+$/);
  const issue = (outcome.body as OperationOutcome).issue?.[0];
  expect((outcome.body as OperationOutcome).resourceType).toBe('OperationOutcome');
  if (outcome.status === 503) {
    expect(issue.code).toBe('transient');
    expect(issue.diagnostics).toMatch(/database is unavailable.*Retry after/);
  } else {
    expect(outcome.status).toBe(504);
    expect(issue.code).toBe('timeout');
  }
}

/** Polls until `probe` gives 2xx; returns how long that took. */
async function timeUntilOk(probe: () => Promise<Outcome>, limitMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    const outcome = await probe().catch(() => undefined);
    if (outcome && outcome.status < 300) return Date.now() - started;
    await sleep(200);
  }
  throw new Error(`no success within ${limitMs} ms`);
}

test('a database stopped under load: 503 with Retry-After meanwhile, no crash, readiness follows, recovery', async () => {
  const service = await startOn('outage', { REQUEST_DEADLINE_MS: '10000' });
  try {
    const token = await requestToken(service.url, 'admin');
    const requests = patientRequests(service, token);
    expect((await requests.write()).status).toBe(201);
    const readyBefore = await call(`${service.url}/readyz`);

    const traffic = load(service, token);
    await sleep(1000);
    await postgres.stop();
    const down = Date.now();
    await sleep(2500);
    const readiness = await call(`${service.url}/readyz`);
    const tokenRequest = await requestToken(service.url, 'admin').then(
      () => 'issued',
      (err: Error) => err.message,
    );
    const liveness = await call(`${service.url}/healthz`);
    await postgres.start();
    const up = Date.now();
    const recoveryMs = await timeUntilOk(requests.read, 15_000);
    await sleep(1000);
    await traffic.stop();

    const during = traffic.outcomes.filter((o) => o.started >= down + 200 && o.started + o.ms <= up);
    expect(during.length).toBeGreaterThan(5);
    for (const outcome of during) expectUnavailable(outcome);
    // A down database answers at once: no request waits for a timeout.
    expect(Math.max(...during.map((o) => o.ms))).toBeLessThan(3000);
    // Around the stop, requests in flight may fail; never with a 500, never without an answer.
    const failures = traffic.outcomes.filter((o) => o.status >= 300);
    for (const outcome of failures) expectUnavailable(outcome);

    expect(recoveryMs).toBeLessThan(5000);
    const after = traffic.outcomes.filter((o) => o.started > up + recoveryMs + 500);
    expect(after.length).toBeGreaterThan(5);
    expect(after.filter((o) => o.status >= 300)).toEqual([]);

    expect(readyBefore.status).toBe(200);
    expect(readiness.status).toBe(503);
    expect(readiness.retryAfter).toMatch(/^\d+$/);
    expect(JSON.stringify(readiness.body)).toMatch(/database: /);
    expect(liveness.status).toBe(200);
    expect(tokenRequest).toMatch(/503|temporarily_unavailable/);
    expect((await call(`${service.url}/readyz`)).status).toBe(200);
    expect((await requests.write()).status).toBe(200);
  } finally {
    await service.close();
  }
}, 90_000);

test('a frozen database (SIGSTOP): requests end with 503/504 in seconds, recovery after SIGCONT', async () => {
  const service = await startOn('hang', {
    DB_STATEMENT_TIMEOUT_MS: '1000',
    REQUEST_DEADLINE_MS: '2500',
  });
  let frozen = false;
  try {
    const token = await requestToken(service.url, 'admin');
    const requests = patientRequests(service, token);
    expect((await requests.write()).status).toBe(201);

    const traffic = load(service, token, 4);
    await sleep(500);
    postgres.freeze();
    frozen = true;
    const freezeStart = Date.now();
    const readiness = await call(`${service.url}/readyz`);
    await sleep(7000);
    const freezeEnd = Date.now();
    postgres.thaw();
    frozen = false;
    const recoveryMs = await timeUntilOk(requests.read, 15_000);
    await sleep(1000);
    await traffic.stop();

    // Every request sent while frozen, early enough that the thaw cannot have helped it.
    const during = traffic.outcomes.filter((o) => o.started >= freezeStart && o.started < freezeEnd - 3000);
    const timeline = traffic.outcomes.map((o) => `${o.started - freezeStart}+${o.ms}:${o.status}`).join(' ');
    if (during.length < 4) throw new Error(`only ${during.length} requests while frozen: ${timeline}`);
    // The deadline (2.5 s) bounds every request, however long the database hangs.
    const slow = during.filter((o) => o.ms >= 4000);
    if (slow.length) throw new Error(`${slow.length} requests took 4 s or more while frozen: ${timeline}`);
    for (const outcome of during) expectUnavailable(outcome);
    for (const outcome of traffic.outcomes.filter((o) => o.status >= 300)) expectUnavailable(outcome);
    expect(recoveryMs).toBeLessThan(5000);
    expect(readiness.status).toBe(503);
    expect(readiness.ms).toBeLessThan(3000);
    expect((await call(`${service.url}/readyz`)).status).toBe(200);
  } finally {
    if (frozen) postgres.thaw();
    await service.close();
  }
}, 90_000);
