import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Client from 'fhir-kit-client';
import type { Bundle, CarePlan, Patient, Subscription } from '@medplum/fhirtypes';
import { loadConfig } from '../../src/config';
import { startWorker } from '../../src/background';
import type { Jobs } from '../../src/jobs/worker';
import { createTestDatabaseUrl, startTestServer, type TestServer } from '../support/test-server';
import { BSN, byIdentifier, resourcesOf, tick } from '../e2e/e2e-helpers';

/**
 * Subscription deliveries when more than one process consumes the outbox: two service instances on one database
 * (each with its own engine and pg-boss workers), and a service without jobs plus `npm run worker`. A real HTTP
 * receiver on 127.0.0.1 counts what arrives: every change exactly once.
 */
const received: CarePlan[] = [];
let receiver: http.Server;
let endpoint: string;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CarePlan);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
});
afterAll(() => new Promise((resolve) => receiver.close(resolve)));

async function waitFor(predicate: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate() && Date.now() < until) await tick(100);
}

/** The GP subscribes to its patient's care plans (full resource, so each notification names its version). */
async function subscribe(gp: Client): Promise<CarePlan> {
  const patient = await byIdentifier<Patient>(gp, 'Patient', BSN, '999911120');
  const plans = (await gp.search({
    resourceType: 'CarePlan',
    searchParams: { patient: `Patient/${patient.id}`, category: 'http://snomed.info/sct|135411000146103' },
  })) as Bundle;
  const body: Subscription = {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'Zorgbehandelplan bijhouden',
    criteria: `CarePlan?patient=Patient/${patient.id}`,
    channel: { type: 'rest-hook', endpoint, payload: 'application/fhir+json' },
  };
  await gp.create({ resourceType: 'Subscription', body });
  return resourcesOf<CarePlan>(plans, 'CarePlan', 'match')[0];
}

/** `count` updates of the plan, alternating between the writers; returns the versions written. */
async function updateAlternately(writers: Client[], planId: string, count: number): Promise<string[]> {
  const versions: string[] = [];
  for (let i = 0; i < count; i++) {
    const writer = writers[i % writers.length];
    const current = (await writer.read({ resourceType: 'CarePlan', id: planId })) as CarePlan;
    const note = { text: `MDO-notitie ${i + 1}` };
    const updated = (await writer.update({
      resourceType: 'CarePlan',
      id: planId,
      body: { ...current, note: [...(current.note ?? []), note] },
    })) as CarePlan;
    versions.push(updated.meta?.versionId as string);
  }
  return versions;
}

const deliveredVersions = (planId: string) =>
  received
    .filter((p) => p.resourceType === 'CarePlan' && p.id === planId)
    .map((p) => p.meta?.versionId as string)
    .sort((a, b) => Number(a) - Number(b));

describe('two service instances on one database', () => {
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    const DATABASE_URL = await createTestDatabaseUrl();
    a = await startTestServer({ DATABASE_URL, LOAD_DEMO_DATA: 'true' });
    b = await startTestServer({ DATABASE_URL, LOAD_DEMO_DATA: 'true' });
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('delivers each change exactly once, whichever instance wrote it and whichever consumed it', async () => {
    const plan = await subscribe(await a.client('gp'));
    const writers = [await a.client('meso-team'), await b.client('meso-team')];
    const versions = await updateAlternately(writers, plan.id as string, 8);
    await waitFor(() => deliveredVersions(plan.id as string).length >= versions.length);
    // Time for a duplicate to show up, if there were one.
    await tick(3000);
    expect(deliveredVersions(plan.id as string)).toEqual(versions);

    // The same change consumed again (an outbox retry of its batch, or a second copy on the other instance):
    // the notification was claimed already, so nothing more is sent.
    const last = (await writers[0].read({ resourceType: 'CarePlan', id: plan.id as string })) as CarePlan;
    const change = {
      resourceType: 'CarePlan',
      id: plan.id as string,
      versionId: Number(last.meta?.versionId),
      interaction: 'update' as const,
      lastUpdated: last.meta?.lastUpdated as string,
      requestId: 'replayed',
    };
    const outbox = b.service.jobs?.outbox;
    await b.service.db.transaction(async (tx) => outbox?.enqueue(tx, [change, change]));
    await tick(3000);
    expect(deliveredVersions(plan.id as string)).toEqual(versions);
  });
});

describe('npm run worker (a service without jobs, and a worker process)', () => {
  let service: TestServer;
  let worker: Jobs;

  beforeAll(async () => {
    const DATABASE_URL = await createTestDatabaseUrl();
    service = await startTestServer({ DATABASE_URL, LOAD_DEMO_DATA: 'true', RUN_JOBS: 'false' });
    const config = loadConfig({ DATABASE_URL, NODE_ENV: 'test', LOG_LEVEL: 'silent' });
    worker = await startWorker(service.service.db, config);
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await service?.close();
  });

  it('delivers the Subscription notifications of the service', async () => {
    const plan = await subscribe(await service.client('gp'));
    const versions = await updateAlternately([await service.client('meso-team')], plan.id as string, 3);
    await waitFor(() => deliveredVersions(plan.id as string).length >= versions.length);
    await tick(1000);
    expect(deliveredVersions(plan.id as string)).toEqual(versions);
  });
});
