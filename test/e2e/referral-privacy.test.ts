import { randomUUID } from 'node:crypto';
import type { Bundle, Organization, Patient, Reference, ServiceRequest, Task } from '@medplum/fhirtypes';
import { startTestServer, type TestServer } from '../support/test-server';
import { newFromExample } from '../support/fixtures';
import { BSN, PROFILE, REFERRAL_KIND, URA, byIdentifier, dutchName, issuesAt, refOf } from './e2e-helpers';

/**
 * Issue 11: a VVT posting a referral must not learn whether the service already knew the BSN (that is health
 * information), it reads back what it referred (the Patient itself, not the rest of the record), and a bad
 * referral is answered with its validation errors first, a policy refusal in words that say what is allowed.
 */
let server: TestServer;
let vvtOrg: Organization;
let mesoOrg: Organization;
const NUMBERS = 'https://drentse-erf.example.nl/fhir/NamingSystem/aanmelding';

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  const vvt = await server.client('vvt');
  vvtOrg = await byIdentifier<Organization>(vvt, 'Organization', URA, '90000033');
  mesoOrg = await byIdentifier<Organization>(vvt, 'Organization', URA, '90000022');
});
afterAll(() => server.close());

async function call(
  role: 'vvt' | 'admin' | 'gp',
  method: string,
  path: string,
  body?: unknown,
  headers = {},
) {
  const res = await fetch(`${server.baseUrl}/${path}`, {
    method,
    headers: {
      Authorization: await server.authHeader(role),
      Accept: 'application/fhir+json',
      ...(body ? { 'Content-Type': 'application/fhir+json' } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

function patient(bsn: string): Patient {
  const p = newFromExample<Patient>('nl-core-Patient-01');
  delete p.text;
  p.identifier = [{ system: BSN, value: bsn }];
  p.name = [dutchName('Gerrit', 'Aangemeld')];
  return p;
}

const party = (org: Organization, ura: string): Reference<Organization> => ({
  reference: refOf(org),
  type: 'Organization',
  identifier: { system: URA, value: ura },
});

function serviceRequest(patientRef: string, number: string): ServiceRequest {
  return {
    resourceType: 'ServiceRequest',
    meta: { profile: [PROFILE.ServiceRequest] },
    identifier: [{ system: NUMBERS, value: `${number}-sr` }],
    status: 'active',
    intent: 'order',
    category: [{ coding: [{ system: 'http://snomed.info/sct', code: '3457005' }], text: 'Verwijzing' }],
    code: { coding: [{ system: REFERRAL_KIND, code: 'aanmelding-meso-team' }] },
    subject: { reference: patientRef, type: 'Patient' },
    authoredOn: '2026-09-01',
    requester: party(vvtOrg, '90000033'),
    performer: [party(mesoOrg, '90000022')],
  };
}

function referral(bsn: string, number: string): Bundle {
  const [p, sr] = [`urn:uuid:${randomUUID()}`, `urn:uuid:${randomUUID()}`];
  const task: Task = {
    resourceType: 'Task',
    meta: { profile: [PROFILE.Task] },
    identifier: [{ system: NUMBERS, value: `${number}-task` }],
    status: 'requested',
    intent: 'order',
    code: { coding: [{ system: REFERRAL_KIND, code: 'aanmelding-meso-team' }] },
    focus: { reference: sr, type: 'ServiceRequest' },
    for: { reference: p, type: 'Patient' },
    authoredOn: '2026-09-01T10:15:00+02:00',
    requester: party(vvtOrg, '90000033'),
    owner: party(mesoOrg, '90000022'),
  };
  const post = (url: string, ifNoneExist: string) => ({ method: 'POST' as const, url, ifNoneExist });
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { fullUrl: p, resource: patient(bsn), request: post('Patient', `identifier=${BSN}|${bsn}`) },
      {
        fullUrl: sr,
        resource: serviceRequest(p, number),
        request: post('ServiceRequest', `identifier=${NUMBERS}|${number}-sr`),
      },
      {
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: task,
        request: post('Task', `identifier=${NUMBERS}|${number}-task`),
      },
    ],
  };
}

/** A response with what must differ between two posts (ids, times, the BSN and referral number) made equal. */
function normalised(res: { status: number; headers: Headers; body: unknown }, replace: string[]) {
  let text = JSON.stringify(res.body ?? null);
  for (const value of replace) text = text.split(value).join('X');
  text = text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'ID')
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/g, 'TIME');
  const headers = [...res.headers.keys()]
    // Per request anyway: the date, the rate limit left, and the hash of a body that holds other ids.
    .filter((h) => !['date', 'x-request-id', 'ratelimit'].includes(h))
    .sort()
    .map((h) => {
      const v = (res.headers.get(h) as string)
        .replace(/[0-9a-f-]{36}/g, 'ID')
        .replace(/^W\/"(\d+)-[^"]+"$/, 'W/"$1-HASH"');
      return h === 'last-modified' ? `${h}: TIME` : `${h}: ${v}`;
    });
  return { status: res.status, headers, body: JSON.parse(text) };
}

const patientsWithBsn = async (bsn: string) =>
  (await call('admin', 'GET', `Patient?identifier=${BSN}|${bsn}&_total=accurate`)).body.total;

async function knownElsewhere(bsn: string): Promise<Patient> {
  const p = { ...patient(bsn), name: [dutchName('Gerrit', 'Bekend')] };
  return (await call('admin', 'POST', 'Patient', p)).body as Patient;
}

describe('a referral answers the same for a known and a new BSN', () => {
  it.each(['representation', 'minimal'])('transaction, Prefer return=%s', async (prefer) => {
    const [fresh, known, n] =
      prefer === 'minimal' ? ['999901308', '999901321', 'M'] : ['999901333', '999901345', 'R'];
    const existing = await knownElsewhere(known);
    const headers = { Prefer: `return=${prefer}` };
    const a = await call('vvt', 'POST', '', referral(fresh, `${n}-1`), headers);
    const b = await call('vvt', 'POST', '', referral(known, `${n}-2`), headers);
    expect(a.status).toBe(200);
    expect(a.body.entry[0].response.status).toBe('201 Created');
    expect(normalised(b, [known, `${n}-2`])).toEqual(normalised(a, [fresh, `${n}-1`]));

    // No second Patient: the referral points at the one the service knew, which is unchanged.
    expect(await patientsWithBsn(known)).toBe(1);
    const stored = (await call('admin', 'GET', `Patient/${existing.id}`)).body as Patient;
    expect(stored.meta?.versionId).toBe('1');
    expect(stored.name?.[0].family).toBe('Bekend');
    const location = b.body.entry[0].response.location as string;
    expect(location).toContain(`Patient/${existing.id}/_history/1`);
    const taskId = (b.body.entry[2].response.location as string).match(/Task\/([^/]+)/)?.[1];
    const task = (await call('admin', 'GET', `Task/${taskId}`)).body as Task;
    expect(task.for?.reference).toBe(`Patient/${existing.id}`);
  });

  it('a standalone conditional POST /Patient with If-None-Exist', async () => {
    const [fresh, known] = ['999901357', '999901369'];
    await knownElsewhere(known);
    for (const prefer of ['representation', 'minimal', 'OperationOutcome']) {
      const post = (bsn: string) =>
        call('vvt', 'POST', 'Patient', patient(bsn), {
          'If-None-Exist': `identifier=${BSN}|${bsn}`,
          Prefer: `return=${prefer}`,
        });
      const a = await post(fresh);
      const b = await post(known);
      // The second post of `fresh` is a match the VVT cannot see either: it answers as the first did.
      expect(a.status).toBe(201);
      expect(normalised(b, [known])).toEqual(normalised(a, [fresh]));
    }
    expect(await patientsWithBsn(known)).toBe(1);
    expect(await patientsWithBsn(fresh)).toBe(1);
  });

  it('an invalid Patient is a 422 whether or not the BSN is known', async () => {
    const known = '999901370';
    await knownElsewhere(known);
    for (const bsn of [known, '999901382']) {
      const bad = { ...patient(bsn), gender: 'onbekend' };
      const res = await call('vvt', 'POST', 'Patient', bad, { 'If-None-Exist': `identifier=${BSN}|${bsn}` });
      expect(res.status).toBe(422);
    }
  });
});

it('a conditional create matching another client’s Subscription answers as a create and takes nothing over', async () => {
  const endpoint = `http://127.0.0.1:9/notify-${randomUUID()}`;
  const sub = {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'Zorgplan bijhouden',
    criteria: 'CarePlan?status=active',
    channel: { type: 'rest-hook', endpoint, payload: 'application/fhir+json' },
  };
  const own = await call('gp', 'POST', 'Subscription', sub);
  expect(own.status).toBe(201);
  const res = await call('vvt', 'POST', 'Subscription', sub, { 'If-None-Exist': `url=${endpoint}` });
  expect(res.status).toBe(201);
  expect(res.body.id).toBe(own.body.id);
  expect((await call('gp', 'GET', `Subscription/${own.body.id}`)).status).toBe(200);
  expect((await call('vvt', 'GET', `Subscription/${own.body.id}`)).status).toBe(404);
});

describe('the sender reads back what it referred', () => {
  it('the Patient (itself only), its ServiceRequest and its Task', async () => {
    const bsn = '999901394';
    const res = await call('vvt', 'POST', '', referral(bsn, 'S-1'));
    const id = (i: number) => (res.body.entry[i].response.location as string).split('/').slice(-3)[0];
    const [patientId, requestId, taskId] = [id(0), id(1), id(2)];
    expect((await call('vvt', 'GET', `Patient/${patientId}`)).status).toBe(200);
    expect((await call('vvt', 'GET', `ServiceRequest/${requestId}`)).status).toBe(200);
    expect((await call('vvt', 'GET', `Task/${taskId}`)).status).toBe(200);
    const found = await call('vvt', 'GET', `Patient?identifier=${BSN}|${bsn}`);
    expect(found.body.entry.map((e: { resource: Patient }) => e.resource.id)).toEqual([patientId]);
    const included = await call('vvt', 'GET', `Task?_id=${taskId}&_include=Task:patient`);
    expect(included.body.entry.map((e: { resource: Patient }) => e.resource.id).sort()).toEqual(
      [patientId, taskId].sort(),
    );

    // Not the rest of the record: an Observation the MESO team keeps stays hidden.
    const observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Gewicht' },
      subject: { reference: `Patient/${patientId}` },
      valueQuantity: { value: 61, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
    };
    const obs = await call('admin', 'POST', 'Observation', observation);
    expect(obs.status).toBe(201);
    expect((await call('vvt', 'GET', `Observation/${obs.body.id}`)).status).toBe(403);
    const search = await call('vvt', 'GET', `Observation?patient=Patient/${patientId}&_total=accurate`);
    expect(search.body.total).toBe(0);
  });
});

describe('validation first, then the access policy in plain words', () => {
  it('a referral without requester and code gets 422 with both errors, not a 403', async () => {
    const body = serviceRequest('Patient/x', 'V-1') as Partial<ServiceRequest>;
    delete body.requester;
    delete body.code;
    const res = await call('vvt', 'POST', 'ServiceRequest', body);
    expect(res.status).toBe(422);
    expect(issuesAt(res.body, 'ServiceRequest.requester').length).toBeGreaterThan(0);
    expect(issuesAt(res.body, 'ServiceRequest.code').length).toBeGreaterThan(0);
  });

  it('in a transaction too: an invalid entry after a refused one gives 422 with its errors', async () => {
    const bundle = referral('999901400', 'V-3');
    const [, request, task] = bundle.entry ?? [];
    (request.resource as ServiceRequest).requester = party(mesoOrg, '90000022');
    delete (task.resource as Partial<Task>).code;
    const res = await call('vvt', 'POST', '', bundle);
    expect(res.status).toBe(422);
    expect(issuesAt(res.body, 'Bundle.entry[2].resource.code').length).toBeGreaterThan(0);
    expect(await patientsWithBsn('999901400')).toBe(0);

    // Once valid, the refusal itself, with the entry it is about.
    (task.resource as Task).code = (request.resource as ServiceRequest).code;
    const refused = await call('vvt', 'POST', '', bundle);
    expect(refused.status).toBe(403);
    expect(refused.body.issue[0].diagnostics).toMatch(/^Entry 1: .*the requester must be your organisation/);
    expect(await patientsWithBsn('999901400')).toBe(0);
  });

  it('a referral on behalf of another organisation says what the requester must be', async () => {
    const body = { ...serviceRequest('Patient/x', 'V-2'), requester: party(mesoOrg, '90000022') };
    const res = await call('vvt', 'POST', 'ServiceRequest', body);
    expect(res.status).toBe(403);
    const [issue] = res.body.issue;
    expect(issue.diagnostics).toContain('the requester must be your organisation (URA 90000033');
    expect(issue.diagnostics).toContain('or one of its PractitionerRoles');
    expect(issue.diagnostics).not.toMatch(/needs:|requester\)/);
    expect(issue.expression).toEqual(['ServiceRequest.requester']);
  });
});
