import Client from 'fhir-kit-client';
import type { Bundle, Condition, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { startTestServer, type TestServer, expectOutcome } from '../support/test-server';
import { newFromExample } from '../support/fixtures';

let server: TestServer;
let admin: Client;

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.client('admin');
});
afterAll(() => server.close());

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';

function patientWithBsn(bsn: string): Patient {
  const patient = newFromExample<Patient>('nl-core-Patient-01');
  patient.identifier = [{ system: BSN, value: bsn }];
  return patient;
}

function referralBundle(bsn: string): Bundle {
  const contact = newFromExample<RelatedPerson>('nl-core-ContactPerson-01');
  contact.patient = { reference: 'urn:uuid:8d7a3e5e-0000-4000-8000-000000000001', type: 'Patient' };
  const problem = newFromExample<Condition>('nl-core-Problem-01');
  problem.subject = { reference: `Patient?identifier=${BSN}|${bsn}`, type: 'Patient' };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      // Listed out of processing order on purpose: the server orders POST before GET.
      { request: { method: 'GET', url: `Patient?identifier=${BSN}|${bsn}` } },
      {
        fullUrl: 'urn:uuid:8d7a3e5e-0000-4000-8000-000000000002',
        resource: contact,
        request: { method: 'POST', url: 'RelatedPerson' },
      },
      {
        fullUrl: 'urn:uuid:8d7a3e5e-0000-4000-8000-000000000001',
        resource: patientWithBsn(bsn),
        request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${BSN}|${bsn}` },
      },
      {
        fullUrl: 'urn:uuid:8d7a3e5e-0000-4000-8000-000000000003',
        resource: problem,
        request: { method: 'POST', url: 'Condition' },
      },
    ],
  };
}

describe('transaction Bundles (as the VVT system posting a referral)', () => {
  it('resolves urn:uuid and conditional references, follows the processing order, and is idempotent with ifNoneExist', async () => {
    const response = (await admin.transaction({
      body: referralBundle('999911120') as never,
    })) as unknown as Bundle;
    expect(response.type).toBe('transaction-response');
    const [search, contactEntry, patientEntry, problemEntry] = response.entry ?? [];
    expect(patientEntry.response?.status).toBe('201 Created');
    const patientId = patientEntry.response?.location?.split('/')[5];
    const contact = contactEntry.resource as RelatedPerson;
    expect(contact.patient.reference).toBe(`Patient/${patientId}`);
    expect((problemEntry.resource as Condition).subject.reference).toBe(`Patient/${patientId}`);
    expect((search.resource as Bundle).total).toBe(1);

    const again = (await admin.transaction({
      body: referralBundle('999911120') as never,
    })) as unknown as Bundle;
    expect(again.entry?.[2].response?.status).toBe('200 OK');
    expect(again.entry?.[2].response?.location).toContain(`Patient/${patientId}/`);
    const patients = (await admin.search({
      resourceType: 'Patient',
      searchParams: { identifier: `${BSN}|999911120` },
    })) as unknown as Bundle;
    expect(patients.total).toBe(1);
  });

  it('is atomic: an entry failing halfway leaves nothing behind', async () => {
    const before = ((await admin.history({ resourceType: 'RelatedPerson' })) as unknown as Bundle).total;
    const bundle = referralBundle('999901199');
    // The last entry updates with a stale version, after the creates have run inside the transaction.
    bundle.entry?.push({
      resource: patientWithBsn('999901199'),
      request: { method: 'PUT', url: 'Patient/no-such-patient', ifMatch: 'W/"7"' },
    });
    const failed = await admin.transaction({ body: bundle as never }).catch((e) => e.response);
    expect(failed.status).toBe(412);
    expectOutcome(failed.data, 'conflict', /Entry 4/);
    const patients = (await admin.search({
      resourceType: 'Patient',
      searchParams: { identifier: `${BSN}|999901199` },
    })) as unknown as Bundle;
    expect(patients.total).toBe(0);
    const after = ((await admin.history({ resourceType: 'RelatedPerson' })) as unknown as Bundle).total;
    expect(after).toBe(before);
  });

  it('fails the whole transaction with 412 when a conditional reference matches nothing', async () => {
    const problem = newFromExample<Condition>('nl-core-Problem-01');
    problem.subject = { reference: `Patient?identifier=${BSN}|123456782`, type: 'Patient' };
    const res = await admin
      .transaction({
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [{ resource: problem, request: { method: 'POST', url: 'Condition' } }],
        },
      })
      .catch((e) => e.response);
    expect(res.status).toBe(412);
    expectOutcome(res.data, 'conflict', /matches no resource/);
  });

  it('400 naming the field for an entry whose fullUrl or request.ifNoneExist … is not a string (found by the fuzz suite)', async () => {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['request.ifNoneExist', { request: { method: 'POST', url: 'Patient', ifNoneExist: null } }],
      ['request.ifMatch', { request: { method: 'PUT', url: 'Patient/x', ifMatch: {} } }],
      ['fullUrl', { fullUrl: 5, request: { method: 'POST', url: 'Patient' } }],
    ];
    for (const [field, entry] of cases) {
      const res = await admin
        .transaction({
          body: {
            resourceType: 'Bundle',
            type: 'transaction',
            entry: [{ resource: patientWithBsn('999912124'), ...entry }],
          } as never,
        })
        .catch((e) => e.response);
      expect(res.status).toBe(400);
      expect(
        expectOutcome(res.data, 'invalid', new RegExp(`${field.replace('.', '\\.')} must be a string`))
          .issue[0].expression,
      ).toEqual([`Bundle.entry[0].${field}`]);
    }
  });

  it('processes batch entries independently', async () => {
    const batch: Bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: patientWithBsn('999912112'), request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/does-not-exist' } },
      ],
    };
    const response = (await admin.batch({ body: batch as never })) as unknown as Bundle;
    expect(response.type).toBe('batch-response');
    expect(response.entry?.[0].response?.status).toBe('201 Created');
    expect(response.entry?.[1].response?.status).toBe('404');
    expect(response.entry?.[1].response?.outcome?.resourceType).toBe('OperationOutcome');
  });
});
