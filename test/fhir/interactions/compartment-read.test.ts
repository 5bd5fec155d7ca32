import type { Bundle, Condition, Organization, Patient } from '@medplum/fhirtypes';
import { startTestServer, type TestServer } from '../../support/test-server';
import { newFromExample } from '../../support/fixtures';
import { ORG_URA, URA } from '../../e2e/e2e-helpers';

let server: TestServer;

async function call(role: 'admin' | 'gp', method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.baseUrl}/${path}`, {
    method,
    headers: { Authorization: await server.authHeader(role), 'Content-Type': 'application/fhir+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as never };
}

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
});
afterAll(() => server.close());

describe('one patient compartment for search and read', () => {
  it('a problem whose subject is a versioned reference, found by search, is readable by the same GP', async () => {
    const orgs: Bundle = (await call('admin', 'GET', `Organization?identifier=${URA}|${ORG_URA.gp}`)).body;
    const gpOrg = orgs.entry?.[0]?.resource as Organization;
    const patient: Patient = (
      await call('admin', 'POST', 'Patient', {
        ...newFromExample<Patient>('nl-core-Patient-01'),
        identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911910' }],
        generalPractitioner: [{ reference: `Organization/${gpOrg.id}`, type: 'Organization' }],
      })
    ).body;
    const created = await call('admin', 'POST', 'Condition', {
      ...newFromExample<Condition>('nl-core-Problem-01'),
      subject: { reference: `Patient/${patient.id}/_history/1`, type: 'Patient' },
    });
    expect(created.status).toBe(201);
    const problem = created.body as Condition;
    const found: Bundle = (await call('gp', 'GET', `Condition?patient=${patient.id}`)).body;
    expect(found.entry?.map((e) => e.resource?.id)).toEqual([problem.id]);
    const read = await call('gp', 'GET', `Condition/${problem.id}`);
    expect(read.status).toBe(200);
    const history = await call('gp', 'GET', `Condition/${problem.id}/_history`);
    expect((history.body as Bundle).entry).toHaveLength(1);
  });
});
