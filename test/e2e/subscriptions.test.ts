import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Client from 'fhir-kit-client';
import type { Bundle, CarePlan, Organization, Patient, Resource, Subscription } from '@medplum/fhirtypes';
import { startTestServer, expectOutcome, type TestServer } from '../support/test-server';
import { BSN, ORG_URA, URA, byIdentifier, refused, resourcesOf, tick } from './e2e-helpers';

/**
 * Subscriptions (rest-hook) through the real service: the GP's EHR subscribes to care plans of its patient and a
 * real HTTP receiver on 127.0.0.1 gets the notifications; failed deliveries are retried with short delays.
 */
interface Received {
  headers: http.IncomingHttpHeaders;
  body: Resource;
}

let server: TestServer;
let gp: Client;
let vvt: Client;
let meso: Client;
let admin: Client;
let receiver: http.Server;
let endpoint: string;
const received: Received[] = [];
/** Answers 500 to this many requests before answering 200 again. */
let failNext = 0;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failNext > 0) {
        failNext--;
        res.writeHead(500).end();
        return;
      }
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
  server = await startTestServer({
    LOAD_DEMO_DATA: 'true',
    SUBSCRIPTION_RETRY_DELAY_SECONDS: '1',
    SUBSCRIPTION_RETRY_LIMIT: '2',
  });
  [gp, vvt, meso, admin] = await Promise.all(
    (['gp', 'vvt', 'meso-team', 'admin'] as const).map((r) => server.client(r)),
  );
}, 120_000);

afterAll(async () => {
  await server?.close();
  await new Promise((resolve) => receiver?.close(resolve));
});

const subscription = (criteria: string, extra: Partial<Subscription['channel']> = {}): Subscription => ({
  resourceType: 'Subscription',
  status: 'requested',
  reason: 'Zorgplan van mijn patiënt bijhouden',
  criteria,
  channel: {
    type: 'rest-hook',
    endpoint,
    payload: 'application/fhir+json',
    header: ['X-Token: geheim'],
    ...extra,
  },
});

async function waitFor(predicate: () => boolean, ms = 15_000, poll?: () => Promise<void>): Promise<void> {
  const until = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('timed out waiting for a notification');
    await tick(100);
    await poll?.();
  }
}

async function demoCarePlan(): Promise<{ patient: Patient; plan: CarePlan }> {
  const patient = await byIdentifier<Patient>(gp, 'Patient', BSN, '999911120');
  const bundle = (await gp.search({
    resourceType: 'CarePlan',
    searchParams: { patient: `Patient/${patient.id}` },
  })) as Bundle;
  return { patient, plan: resourcesOf<CarePlan>(bundle, 'CarePlan', 'match')[0] };
}

/** A new patient, created by the admin; a patient of the GP practice when `practice` is given. */
function createPatient(bsn: string, practice?: string, family = 'Vreemdeling'): Promise<Patient> {
  const body: Patient = {
    resourceType: 'Patient',
    identifier: [{ system: BSN, value: bsn }],
    name: [{ family, given: ['Karel'] }],
    ...(practice ? { generalPractitioner: [{ reference: practice }] } : {}),
  };
  return admin.create({ resourceType: 'Patient', body }) as Promise<Patient>;
}

const createSubscription = (client: Client, body: Subscription) =>
  client.create({ resourceType: 'Subscription', body }) as Promise<Subscription>;

const notificationsAbout = (id: string) =>
  received.filter((r) => (r.body as CarePlan).resourceType === 'CarePlan' && (r.body as CarePlan).id === id);

describe('Subscription (rest-hook)', () => {
  let created: Subscription;
  let patient: Patient;
  let plan: CarePlan;

  beforeAll(async () => {
    ({ patient, plan } = await demoCarePlan());
    created = (await createSubscription(
      gp,
      subscription(`CarePlan?patient=Patient/${patient.id}`),
    )) as Subscription;
  });

  it('is stored active and read back by its client only', async () => {
    expect(created.status).toBe('active');
    const read = (await gp.read({ resourceType: 'Subscription', id: created.id as string })) as Subscription;
    expect(read.status).toBe('active');
    const other = await refused(vvt.read({ resourceType: 'Subscription', id: created.id as string }));
    expect(other.status).toBe(404);
    const change = await refused(
      vvt.update({ resourceType: 'Subscription', id: created.id as string, body: read }),
    );
    expect(change.status).toBe(404);
  });

  it('is found by its client in searches, and by nobody else', async () => {
    const search = async (client: Client) =>
      resourcesOf((await client.search({ resourceType: 'Subscription', searchParams: {} })) as Bundle).map(
        (r) => r.id,
      );
    expect(await search(gp)).toContain(created.id);
    expect(await search(vvt)).not.toContain(created.id);
    expect(await search(meso)).not.toContain(created.id);
  });

  it('notifies the endpoint of a matching change, with the channel headers', async () => {
    const before = notificationsAbout(plan.id as string).length;
    await meso.update({
      resourceType: 'CarePlan',
      id: plan.id as string,
      body: { ...plan, description: 'Eerst' },
    });
    await waitFor(() => notificationsAbout(plan.id as string).length > before);
    const last = notificationsAbout(plan.id as string).at(-1) as Received;
    expect((last.body as CarePlan).description).toBe('Eerst');
    expect(last.headers['x-token']).toBe('geheim');
    expect(last.headers['content-type']).toContain('application/fhir+json');
  });

  it('retries a failed delivery until the endpoint accepts it', async () => {
    const current = (await gp.read({ resourceType: 'CarePlan', id: plan.id as string })) as CarePlan;
    failNext = 1;
    await meso.update({
      resourceType: 'CarePlan',
      id: plan.id as string,
      body: { ...current, description: 'Later' },
    });
    await waitFor(() =>
      notificationsAbout(plan.id as string).some((r) => (r.body as CarePlan).description === 'Later'),
    );
    expect(failNext).toBe(0);
  });

  it('never sends a resource its subscriber may not read', async () => {
    // Both new patients match; only the second is the GP's patient (generalPractitioner), so only it is sent.
    await createSubscription(gp, subscription('Patient?family=Vreemdeling'));
    const practice = await byIdentifier<Organization>(gp, 'Organization', URA, ORG_URA.gp);
    const stranger = await createPatient('999900018');
    const own = await createPatient('999900031', `Organization/${practice.id}`);
    await waitFor(() => received.some((r) => (r.body as Patient).id === own.id));
    await tick(500);
    expect(received.filter((r) => (r.body as Patient).id === stranger.id)).toHaveLength(0);
  });
});

describe('Subscription delivery failures', () => {
  it('sets the Subscription to error after the last retry; its client re-activates it', async () => {
    const sub = await createSubscription(gp, subscription('Patient?family=Onbereikbaar'));
    const practice = await byIdentifier<Organization>(gp, 'Organization', URA, ORG_URA.gp);
    failNext = 1000;
    await createPatient('999900043', `Organization/${practice.id}`, 'Onbereikbaar');
    let current = sub;
    await waitFor(
      () => current.status === 'error',
      30_000,
      async () => {
        current = (await gp.read({ resourceType: 'Subscription', id: sub.id as string })) as Subscription;
      },
    );
    expect(current.error).toMatch(/HTTP 500/);
    expect(Number(current.meta?.versionId)).toBe(2);
    failNext = 0;
    await gp.update({
      resourceType: 'Subscription',
      id: sub.id as string,
      body: { ...current, status: 'active', error: undefined },
    });
    const again = await createPatient('999900055', `Organization/${practice.id}`, 'Onbereikbaar');
    await waitFor(() => received.some((r) => (r.body as Patient).id === again.id));
  }, 60_000);
});

describe('Subscription checks', () => {
  it('refuses an endpoint that is not on the allow-list', async () => {
    const res = await refused(
      createSubscription(
        gp,
        subscription('CarePlan?status=active', { endpoint: 'https://receiver.example.org/notify' }),
      ),
    );
    expect(res.status).toBe(422);
    const outcome = expectOutcome(res.data, 'invalid', /SUBSCRIPTION_ENDPOINTS/);
    expect(outcome.issue[0].expression).toEqual(['Subscription.channel.endpoint']);
  });

  it('refuses criteria with an unknown parameter', async () => {
    const res = await refused(createSubscription(gp, subscription('CarePlan?colour=blue')));
    expect(res.status).toBe(422);
    expect((res.data as { issue: Array<{ expression?: string[] }> }).issue[0].expression).toEqual([
      'Subscription.criteria',
    ]);
  });
});
