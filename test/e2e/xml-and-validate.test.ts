import Client from 'fhir-kit-client';
import type { Bundle, OperationOutcome, Parameters, Patient, Task } from '@medplum/fhirtypes';
import { startTestServer, type TestServer, expectOutcome } from '../support/test-server';
import { newFromExample, nlCoreExample } from '../support/fixtures';
import { resourceToXml, xmlToResource } from '../../src/fhir/rest/xml-format';
import { BSN, PROFILE, issuesAt, refused } from './e2e-helpers';

/**
 * FHIR XML through the server (content negotiation, lossless round trip), and conformance: $validate at type and
 * instance level, 422 for a non-conforming create with every error listed, and an all-or-nothing transaction.
 */
let server: TestServer;
let admin: Client;

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.client('admin');
});
afterAll(() => server.close());

const raw = async (path: string, init: RequestInit = {}) =>
  fetch(`${server.baseUrl}/${path}`, {
    ...init,
    headers: { authorization: await server.authHeader('admin'), ...(init.headers as Record<string, string>) },
  });

const errors = (outcome: unknown) =>
  ((outcome as OperationOutcome).issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');

/** The stored resource minus what the server owns (id, meta.versionId/lastUpdated). */
function content<T extends { id?: string; meta?: { versionId?: string; lastUpdated?: string } }>(
  resource: T,
) {
  const { id: _id, meta, ...rest } = resource;
  const { versionId: _v, lastUpdated: _l, ...ownMeta } = meta ?? {};
  return { ...rest, meta: ownMeta };
}

describe('XML round trip through the server', () => {
  it('POST as application/fhir+xml, read back as XML and as JSON: nothing lost', async () => {
    const example = newFromExample<Patient>('nl-core-Patient-01');
    const posted = await raw('Patient', {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+xml', accept: 'application/fhir+xml' },
      body: resourceToXml(example),
    });
    expect(posted.status).toBe(201);
    expect(posted.headers.get('content-type')).toMatch(/^application\/fhir\+xml/);
    const createdXml = await posted.text();
    expect(createdXml).toMatch(/^(<\?xml[^>]*>\s*)?<Patient xmlns="http:\/\/hl7.org\/fhir">/);
    const created = xmlToResource(createdXml) as Patient;
    expect(created.id).toBeDefined();

    // As JSON (explicit _format wins over Accept).
    const jsonRes = await raw(`Patient/${created.id}?_format=json`, {
      headers: { accept: 'application/fhir+xml' },
    });
    expect(jsonRes.status).toBe(200);
    expect(jsonRes.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const json = (await jsonRes.json()) as Patient;
    // Everything the client sent is stored as sent (the example already has its narrative and profile).
    expect(content(json)).toEqual(content({ ...example, id: 'x' }));

    // As XML via Accept, and via _format=xml: the same resource.
    const xmlRes = await raw(`Patient/${created.id}`, { headers: { accept: 'application/fhir+xml' } });
    expect(xmlRes.status).toBe(200);
    expect(xmlRes.headers.get('content-type')).toMatch(/^application\/fhir\+xml/);
    expect(xmlToResource(await xmlRes.text())).toEqual(json);
    const formatRes = await raw(`Patient/${created.id}?_format=xml`);
    expect(formatRes.headers.get('content-type')).toMatch(/^application\/fhir\+xml/);
    expect(xmlToResource(await formatRes.text())).toEqual(json);
  });

  it('searches answer in XML too', async () => {
    const res = await raw('Patient?_count=1', { headers: { accept: 'application/fhir+xml' } });
    expect(res.status).toBe(200);
    const bundle = xmlToResource(await res.text()) as Bundle;
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.type).toBe('searchset');
  });

  it('errors come as an XML OperationOutcome when XML was asked for; malformed XML is 400', async () => {
    const res = await raw('Patient', {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+xml', accept: 'application/fhir+xml' },
      body: '<Patient xmlns="http://hl7.org/fhir"><active value="true"/>',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/fhir\+xml/);
    const outcome = xmlToResource(await res.text());
    expectOutcome(outcome, (outcome as OperationOutcome).issue[0].code);
    expect(outcome.resourceType).toBe('OperationOutcome');
  });
});

/** A referral Task that is a valid base R4 Task but misses what meso-referral-task requires. */
const bareTask = (): Task => ({ resourceType: 'Task', status: 'requested', intent: 'order' });
const REQUIRED_BY_TASK_PROFILE = [
  'Task.identifier',
  'Task.code',
  'Task.focus',
  'Task.for',
  'Task.authoredOn',
  'Task.requester',
  'Task.owner',
];

const badBsn = (): Patient => {
  const p = newFromExample<Patient>('nl-core-Patient-01');
  p.identifier = [{ system: BSN, value: '123456789' }];
  return p;
};

describe('$validate', () => {
  it('type level: a valid resource gives 200 and an OperationOutcome without errors', async () => {
    const outcome = (await admin.operation({
      name: '$validate',
      resourceType: 'Patient',
      input: nlCoreExample('nl-core-Patient-01'),
    })) as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(errors(outcome)).toEqual([]);
  });

  it('type level: errors are listed with their expression, still 200', async () => {
    const outcome = (await admin.operation({
      name: '$validate',
      resourceType: 'Patient',
      input: badBsn(),
    })) as OperationOutcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(errors(outcome).length).toBeGreaterThan(0);
    const bsnIssues = issuesAt(outcome, 'Patient.identifier');
    expect(bsnIssues.length).toBeGreaterThan(0);
    expect(bsnIssues.some((i) => /11-proef|BSN/i.test(i.diagnostics ?? ''))).toBe(true);
  });

  it('the profile parameter: a bare Task conforms to R4 Task but not to the default meso-referral-task', async () => {
    const byDefault = (await admin.operation({
      name: '$validate',
      resourceType: 'Task',
      input: bareTask(),
    })) as OperationOutcome;
    for (const path of REQUIRED_BY_TASK_PROFILE) expect(issuesAt(byDefault, path).length).toBeGreaterThan(0);

    const parameters: Parameters = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'resource', resource: bareTask() },
        { name: 'profile', valueUri: 'http://hl7.org/fhir/StructureDefinition/Task' },
      ],
    };
    const asBase = (await admin.operation({
      name: '$validate',
      resourceType: 'Task',
      input: parameters,
    })) as OperationOutcome;
    expect(errors(asBase)).toEqual([]);

    const explicit = (await admin.operation({
      name: '$validate',
      resourceType: 'Task',
      input: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'resource', resource: bareTask() },
          { name: 'profile', valueUri: PROFILE.Task },
        ],
      },
    })) as OperationOutcome;
    for (const path of REQUIRED_BY_TASK_PROFILE) expect(issuesAt(explicit, path).length).toBeGreaterThan(0);
  });

  it('the mode parameter: create and update validate, delete does not need a resource, a bad mode is 400', async () => {
    const create = (await admin.operation({
      name: '$validate',
      resourceType: 'Patient',
      input: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'resource', resource: badBsn() },
          { name: 'mode', valueCode: 'create' },
        ],
      },
    })) as OperationOutcome;
    expect(issuesAt(create, 'Patient.identifier').length).toBeGreaterThan(0);

    const bad = await refused(
      admin.operation({
        name: '$validate',
        resourceType: 'Patient',
        input: {
          resourceType: 'Parameters',
          parameter: [
            { name: 'resource', resource: badBsn() },
            { name: 'mode', valueCode: 'bogus' },
          ],
        },
      }),
    );
    expect(bad.status).toBe(400);
    expectOutcome(bad.data, 'invalid', /mode/);
  });

  it('instance level: the stored resource, or a proposed update of it', async () => {
    const stored = (await admin.create({
      resourceType: 'Patient',
      body: newFromExample('nl-core-Patient-01') as never,
    })) as unknown as Patient;
    const asStored = (await admin.operation({
      name: '$validate',
      resourceType: 'Patient',
      id: stored.id,
      method: 'GET',
    })) as OperationOutcome;
    expect(asStored.resourceType).toBe('OperationOutcome');
    expect(errors(asStored)).toEqual([]);

    const update = (await admin.operation({
      name: '$validate',
      resourceType: 'Patient',
      id: stored.id,
      input: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'resource', resource: { ...badBsn(), id: stored.id } },
          { name: 'mode', valueCode: 'update' },
        ],
      },
    })) as OperationOutcome;
    expect(issuesAt(update, 'Patient.identifier').length).toBeGreaterThan(0);

    const del = (await admin.operation({
      name: '$validate',
      resourceType: 'Patient',
      id: stored.id,
      input: { resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'delete' }] },
    })) as OperationOutcome;
    expect(errors(del)).toEqual([]);
  });
});

describe('a non-conforming resource is refused with 422 and every error', () => {
  it('an nl-core Patient with an invalid BSN', async () => {
    const res = await refused(admin.create({ resourceType: 'Patient', body: badBsn() as never }));
    expect(res.status).toBe(422);
    expect(issuesAt(res.data, 'Patient.identifier').length).toBeGreaterThan(0);
    const found = (await admin.search({
      resourceType: 'Patient',
      searchParams: { identifier: `${BSN}|123456789` },
    })) as unknown as Bundle;
    expect(found.total ?? found.entry?.length ?? 0).toBe(0);
  });

  it('several errors at once: each is listed with its own expression', async () => {
    const task: Task = { ...bareTask(), meta: { profile: [PROFILE.Task] } };
    const res = await refused(admin.create({ resourceType: 'Task', body: task as never }));
    expect(res.status).toBe(422);
    for (const path of REQUIRED_BY_TASK_PROFILE) {
      const at = issuesAt(res.data, path);
      expect({ path, errors: at.filter((i) => i.severity === 'error').length > 0 }).toEqual({
        path,
        errors: true,
      });
    }
    for (const issue of errors(res.data)) expect(issue.expression?.length ?? 0).toBeGreaterThan(0);

    // A Patient with both an invalid BSN and a gender outside the required value set.
    const patient = { ...badBsn(), gender: 'vrouw' } as unknown as Patient;
    const both = await refused(admin.create({ resourceType: 'Patient', body: patient as never }));
    expect(both.status).toBe(422);
    expect(issuesAt(both.data, 'Patient.identifier').length).toBeGreaterThan(0);
    expect(issuesAt(both.data, 'Patient.gender').length).toBeGreaterThan(0);
  });

  it('an update to a non-conforming version is refused too and the stored version stays', async () => {
    const stored = (await admin.create({
      resourceType: 'Patient',
      body: newFromExample('nl-core-Patient-01') as never,
    })) as unknown as Patient;
    const res = await refused(
      admin.update({
        resourceType: 'Patient',
        id: stored.id as string,
        body: { ...badBsn(), id: stored.id } as never,
      }),
    );
    expect(res.status).toBe(422);
    const read = (await admin.read({
      resourceType: 'Patient',
      id: stored.id as string,
    })) as unknown as Patient;
    expect(read.meta?.versionId).toBe('1');
  });

  it('a transaction with one bad entry stores nothing and names the entry', async () => {
    const good = (bsn: string) => {
      const p = newFromExample<Patient>('nl-core-Patient-01');
      p.identifier = [{ system: BSN, value: bsn }];
      return p;
    };
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:0d3f0e1e-0000-4000-8000-000000000001',
          resource: good('999900122'),
          request: { method: 'POST', url: 'Patient' },
        },
        {
          fullUrl: 'urn:uuid:0d3f0e1e-0000-4000-8000-000000000002',
          resource: good('999900134'),
          request: { method: 'POST', url: 'Patient' },
        },
        {
          fullUrl: 'urn:uuid:0d3f0e1e-0000-4000-8000-000000000003',
          resource: badBsn(),
          request: { method: 'POST', url: 'Patient' },
        },
      ],
    };
    const res = await refused(admin.transaction({ body: bundle as never }));
    expect(res.status).toBe(422);
    expect(issuesAt(res.data, /Bundle\.entry\[2\]\.resource\.identifier/).length).toBeGreaterThan(0);
    expect(issuesAt(res.data, /Bundle\.entry\[[01]\]/)).toEqual([]);
    for (const bsn of ['999900122', '999900134']) {
      const found = (await admin.search({
        resourceType: 'Patient',
        searchParams: { identifier: `${BSN}|${bsn}`, _total: 'accurate' },
      })) as unknown as Bundle;
      expect(found.total).toBe(0);
    }
  });
});
