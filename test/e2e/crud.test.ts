import Client from 'fhir-kit-client';
import type { Bundle, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { startTestServer, type TestServer, expectOutcome } from '../support/test-server';
import { newFromExample } from '../support/fixtures';

let server: TestServer;
let admin: Client;

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.client('admin');
});
afterAll(() => server.close());

const headersOf = (resource: unknown) => (Client.httpFor(resource as never).response as Response).headers;

describe('CRUD, history and vread (as the MESO team system)', () => {
  it('creates with a server id, reads, updates, vreads, keeps history, and deletes (410 after)', async () => {
    const created = (await admin.create({
      resourceType: 'Patient',
      body: newFromExample('nl-core-Patient-01'),
    })) as unknown as Patient;
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.meta?.versionId).toBe('1');
    const createdHeaders = headersOf(created);
    expect(createdHeaders.get('etag')).toBe('W/"1"');
    expect(createdHeaders.get('location')).toBe(`${server.baseUrl}/Patient/${created.id}/_history/1`);
    expect(createdHeaders.get('last-modified')).toBe(
      new Date(created.meta?.lastUpdated as string).toUTCString(),
    );

    const read = (await admin.read({
      resourceType: 'Patient',
      id: created.id as string,
    })) as unknown as Patient;
    expect(read.identifier).toEqual(created.identifier);

    const updated = (await admin.update({
      resourceType: 'Patient',
      id: created.id as string,
      body: { ...read, birthDate: '1934-04-29' },
    })) as unknown as Patient;
    expect(updated.meta?.versionId).toBe('2');

    const v1 = (await admin.vread({
      resourceType: 'Patient',
      id: created.id as string,
      version: '1',
    })) as unknown as Patient;
    expect(v1.birthDate).toBe('1934-04-28');

    const history = (await admin.history({
      resourceType: 'Patient',
      id: created.id as string,
    })) as unknown as {
      entry: Array<{ resource?: Patient; request: { method: string } }>;
      total: number;
    };
    expect(history.total).toBe(2);
    expect(history.entry.map((e) => e.resource?.meta?.versionId)).toEqual(['2', '1']);
    expect(history.entry.map((e) => e.request.method)).toEqual(['PUT', 'POST']);

    await admin.delete({ resourceType: 'Patient', id: created.id as string });
    const gone = await admin
      .read({ resourceType: 'Patient', id: created.id as string })
      .catch((e) => e.response);
    expect(gone.status).toBe(410);
    expectOutcome(gone.data, 'deleted');

    const afterDelete = (await admin.history({
      resourceType: 'Patient',
      id: created.id as string,
    })) as unknown as { total: number };
    expect(afterDelete.total).toBe(3);
  });

  it('answers 304 to If-None-Match with the current ETag', async () => {
    const created = (await admin.create({
      resourceType: 'Patient',
      body: newFromExample('nl-core-Patient-01'),
    })) as unknown as Patient;
    const res = await fetch(`${server.baseUrl}/Patient/${created.id}`, {
      headers: { authorization: await server.authHeader('admin'), 'if-none-match': 'W/"1"' },
    });
    expect(res.status).toBe(304);
    const changed = await fetch(`${server.baseUrl}/Patient/${created.id}`, {
      headers: { authorization: await server.authHeader('admin'), 'if-none-match': 'W/"0"' },
    });
    expect(changed.status).toBe(200);
  });

  it('refuses an update with a stale If-Match with 412', async () => {
    const created = (await admin.create({
      resourceType: 'Patient',
      body: newFromExample('nl-core-Patient-01'),
    })) as unknown as Patient;
    await admin.update({
      resourceType: 'Patient',
      id: created.id as string,
      body: created,
      options: { headers: { 'If-Match': 'W/"1"' } },
    });
    const stale = await admin
      .update({
        resourceType: 'Patient',
        id: created.id as string,
        body: created,
        options: { headers: { 'If-Match': 'W/"1"' } },
      })
      .catch((e) => e.response);
    expect(stale.status).toBe(412);
    expectOutcome(stale.data, 'conflict', /If-Match/);
  });

  it('conditional create twice gives one resource', async () => {
    const patient = newFromExample<Patient>('nl-core-Patient-01');
    patient.identifier = [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' }];
    const ifNoneExist = 'identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911120';
    const first = (await admin.create({
      resourceType: 'Patient',
      body: patient,
      options: { headers: { 'If-None-Exist': ifNoneExist } },
    })) as unknown as Patient;
    const second = (await admin.create({
      resourceType: 'Patient',
      body: patient,
      options: { headers: { 'If-None-Exist': ifNoneExist } },
    })) as unknown as Patient;
    expect(second.id).toBe(first.id);
    expect(Client.httpFor(second as never).response.status).toBe(200);
    const found = (await admin.search({
      resourceType: 'Patient',
      searchParams: { identifier: '999911120' },
    })) as unknown as { total: number };
    expect(found.total).toBe(1);
  });

  it('conditional update creates when nothing matches and updates the single match', async () => {
    const patient = newFromExample<Patient>('nl-core-Patient-01');
    patient.identifier = [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999901199' }];
    const searchParams = { identifier: 'http://fhir.nl/fhir/NamingSystem/bsn|999901199' };
    const created = (await admin.update({
      resourceType: 'Patient',
      searchParams,
      body: patient,
    } as never)) as unknown as Patient;
    expect(Client.httpFor(created as never).response.status).toBe(201);
    const updated = (await admin.update({
      resourceType: 'Patient',
      searchParams,
      body: { ...patient, birthDate: '1940-01-01' },
    } as never)) as unknown as Patient;
    expect(updated.id).toBe(created.id);
    expect(updated.meta?.versionId).toBe('2');
  });

  it('honours Prefer: return=minimal and return=OperationOutcome', async () => {
    const minimal = await fetch(`${server.baseUrl}/Patient`, {
      method: 'POST',
      headers: {
        authorization: await server.authHeader('admin'),
        'content-type': 'application/fhir+json',
        prefer: 'return=minimal',
      },
      body: JSON.stringify(newFromExample('nl-core-Patient-01')),
    });
    expect(minimal.status).toBe(201);
    expect(minimal.headers.get('location')).toMatch(/\/Patient\/[^/]+\/_history\/1$/);
    expect(await minimal.text()).toBe('');
    const outcome = (await admin.create({
      resourceType: 'Patient',
      body: newFromExample('nl-core-Patient-01'),
      options: { headers: { Prefer: 'return=OperationOutcome' } },
    })) as unknown as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
  });
});

describe('bad input gets a clear OperationOutcome and the right 4xx', () => {
  const raw = async (path: string, init: RequestInit) =>
    fetch(`${server.baseUrl}/${path}`, {
      ...init,
      headers: { authorization: await server.authHeader('admin'), ...init.headers },
    });

  it('400 for malformed JSON', async () => {
    const res = await admin
      .create({ resourceType: 'Patient', body: '{"resourceType": "Patient", ' as never })
      .catch((e) => e.response);
    expect(res.status).toBe(400);
    expectOutcome(res.data, 'structure', /not valid JSON/);
  });

  it('400 for a body of the wrong resourceType', async () => {
    const res = await admin
      .create({ resourceType: 'Patient', body: { resourceType: 'Organization', name: 'x' } })
      .catch((e) => e.response);
    expect(res.status).toBe(400);
    expectOutcome(res.data, 'invalid', /Expected a Patient/);
  });

  it('413 for an oversized body', async () => {
    const big = {
      resourceType: 'Patient',
      text: {
        status: 'generated',
        div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(6 * 1024 * 1024)}</div>`,
      },
    };
    const res = await admin.create({ resourceType: 'Patient', body: big }).catch((e) => e.response);
    expect(res.status).toBe(413);
    expectOutcome(res.data, 'too-costly');
  });

  it('415 for an unsupported Content-Type', async () => {
    const res = await raw('Patient', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(res.status).toBe(415);
    expectOutcome(await res.json(), 'not-supported');
  });

  it('404 for an unknown type or id, 405 for a wrong method', async () => {
    const unknownType = await raw('Medication/1', { method: 'GET' });
    expect(unknownType.status).toBe(404);
    expectOutcome(await unknownType.json(), 'not-found', /Medication/);
    const unknownId = await raw('Patient/does-not-exist', { method: 'GET' });
    expect(unknownId.status).toBe(404);
    const wrongMethod = await raw('Patient/1', { method: 'POST' });
    expect(wrongMethod.status).toBe(405);
    expectOutcome(await wrongMethod.json(), 'not-supported');
  });

  it('400, not a database error, for a NUL character in a body or a search value', async () => {
    const body = await raw('Patient', {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: '{"resourceType":"Patient","name":[{"text":"a\\u0000b"}]}',
    });
    expect(body.status).toBe(400);
    expectOutcome(await body.json(), 'invalid', /NUL/);
    const search = await raw('Patient?name=a%00b', { method: 'GET' });
    expect(search.status).toBe(400);
    expectOutcome(await search.json(), 'invalid', /NUL/);
  });

  it('400, not a database error, for a _since or _at the database cannot read (found by the fuzz suite)', async () => {
    for (const query of [
      '_since=-0',
      '_since=2025x',
      '_at=1',
      '_since=9999-12-31T23:00:00-05:00',
      '_at=2025-02-30',
    ]) {
      const res = await raw(`Patient/_history?${query}`, { method: 'GET' });
      expect(res.status).toBe(400);
      expectOutcome(await res.json(), 'invalid', /must be an instant/);
    }
    for (const query of ['_since=2025', '_since=2025-01', '_at=2025-01-31T12:00:00%2B01:00']) {
      expect((await raw(`Patient/_history?${query}`, { method: 'GET' })).status).toBe(200);
    }
  });

  it('400, also in XML, for a control character in a search parameter (found by the fuzz suite)', async () => {
    const res = await raw('Task?_lastUpdated=%01&_format=xml', { method: 'GET' });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/contains the character U\+0001, which FHIR strings cannot hold/);
  });

  it('history: _count=0 is an empty page, a blank _count or a garbage _cursor a 400 (found by the fuzz suite)', async () => {
    const empty = await raw('Patient/_history?_count=0', { method: 'GET' });
    expect(empty.status).toBe(200);
    expect(((await empty.json()) as Bundle).entry ?? []).toEqual([]);
    for (const query of [
      '_count=%20',
      '_count=%E2%80%A8',
      '_count=-1',
      '_cursor=x',
      '_cursor=99999999999999999999',
    ]) {
      const res = await raw(`Patient/_history?${query}`, { method: 'GET' });
      expect(res.status).toBe(400);
      expectOutcome(await res.json(), 'invalid', /_count|_cursor/);
    }
  });

  it('400 for a NUL character in the form body of POST _search too (found by the fuzz suite)', async () => {
    const res = await raw('Patient/_search', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=a%00b',
    });
    expect(res.status).toBe(400);
    expectOutcome(await res.json(), 'invalid', /NUL/);
  });

  it('422 for a resource claiming a profile the server does not know', async () => {
    const patient = {
      ...newFromExample<Patient>('nl-core-Patient-01'),
      meta: { profile: ['http://example.org/unknown'] },
    };
    const res = await admin.create({ resourceType: 'Patient', body: patient }).catch((e) => e.response);
    expect(res.status).toBe(422);
    const outcome = expectOutcome(res.data, 'not-supported', /not a profile this server knows/);
    expect(outcome.issue[0].expression).toEqual(['Patient.meta.profile[0]']);
  });

  it('400 for structurally broken Bundles and Parameters instead of a crash', async () => {
    const bundle = await raw('', {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: 'x' }),
    });
    expect(bundle.status).toBe(400);
    expectOutcome(await bundle.json(), 'invalid', /Bundle.entry must be an array/);
    const params = await raw('Patient/$validate', {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Parameters', parameter: 'x' }),
    });
    expect(params.status).toBe(400);
    expectOutcome(await params.json(), 'invalid', /must be an array/);
  });

  it('400 for JSON nested deeper than allowed, and the server keeps serving', async () => {
    const deep = `{"resourceType":"Patient","extension":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const res = await raw('Patient', {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: deep,
    });
    expect(res.status).toBe(400);
    const meta = await fetch(`${server.baseUrl}/metadata`);
    expect(meta.status).toBe(200);
  });
});
