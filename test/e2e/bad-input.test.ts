import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { Bundle, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { projectPath } from '../../src/project-root';
import { newFromExample } from '../support/fixtures';
import { startTestServer, type TestServer } from '../support/test-server';

/* eslint-disable @typescript-eslint/no-explicit-any -- the point is JSON of the wrong shape */

/**
 * Issue 8 §2 through the real HTTP server: malformed resources are refused with 422 and the FHIRPath of what
 * is wrong, never stored (201) and never a 500; legal values of any length or date are stored and found.
 */
let server: TestServer;
let auth: string;

beforeAll(async () => {
  server = await startTestServer();
  auth = await server.authHeader('admin');
});
afterAll(() => server.close());

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server.baseUrl}/${path}`, {
    method,
    headers: {
      Authorization: auth,
      'Content-Type': 'application/fhir+json',
      Accept: 'application/fhir+json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The nl-core example without its authored text, so the write path generates a narrative for it. */
function patient(): any {
  const { text: _text, ...rest } = newFromExample<Patient>('nl-core-Patient-01');
  return rest;
}
const expressionsOf = (outcome: OperationOutcome) => outcome.issue.flatMap((i) => i.expression ?? []);

describe('malformed writes are 422 with the expression, not 201 or 500', () => {
  it.each<[string, (p: any) => void, string]>([
    ['birthDate as a number', (p) => (p.birthDate = 19340428), 'Patient.birthDate'],
    ['birthDate as an object', (p) => (p.birthDate = { x: 1 }), 'Patient.birthDate'],
    ['name as a string', (p) => (p.name = 'Jansen'), 'Patient.name'],
    ['null in name', (p) => (p.name = [null]), 'Patient.name[0]'],
    ['null in identifier', (p) => (p.identifier = [null]), 'Patient.identifier[0]'],
    ['a string among identifiers', (p) => p.identifier.push('x'), 'Patient.identifier[1]'],
    ['a number among identifiers', (p) => p.identifier.push('x', 5), 'Patient.identifier[2]'],
    ['a list among identifiers', (p) => p.identifier.push('x', 5, [1]), 'Patient.identifier[3]'],
    ['meta.profile as a string', (p) => (p.meta = { profile: 'http://x' }), 'Patient.meta.profile'],
    ['a number in meta.profile', (p) => (p.meta = { profile: [5, null] }), 'Patient.meta.profile[0]'],
    ['null in meta.profile', (p) => (p.meta = { profile: [5, null] }), 'Patient.meta.profile[1]'],
    ['a string as primitive extension', (p) => (p._birthDate = 'x'), 'Patient._birthDate'],
    ['30 February', (p) => (p.birthDate = '1950-02-30'), 'Patient.birthDate'],
    ['29 February of a common year', (p) => (p.birthDate = '2023-02-29'), 'Patient.birthDate'],
    ['month 13', (p) => (p.birthDate = '2024-13-01'), 'Patient.birthDate'],
    ['hour 25', (p) => (p.deceasedDateTime = '2024-01-01T25:00:00Z'), 'Patient.deceasedDateTime'],
    ['an empty list', (p) => (p.telecom = []), 'Patient.telecom'],
  ])('%s', async (_what, mutate, expression) => {
    const p = patient();
    mutate(p);
    const res = await call('POST', 'Patient', p);
    expect({ status: res.status, type: res.body?.resourceType }).toEqual({
      status: 422,
      type: 'OperationOutcome',
    });
    expect(expressionsOf(res.body)).toContain(expression);
  });

  it('refuses an unpaired surrogate (at the door, or by the validator), never a 500', async () => {
    const p = patient();
    p.name[0].family = 'a\ud800b';
    const res = await call('POST', 'Patient', p);
    expect([400, 422]).toContain(res.status);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('refuses a malformed transaction entry without storing anything', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { ...patient(), birthDate: '1934-04-28' }, request: { method: 'POST', url: 'Patient' } },
        {
          resource: { ...patient(), identifier: ['x', 5, [1]] },
          request: { method: 'POST', url: 'Patient' },
        },
      ],
    };
    const res = await call('POST', '', bundle);
    expect(res.status).toBe(422);
    expect(expressionsOf(res.body).some((e) => /identifier\[0\]/.test(e))).toBe(true);
  });
});

describe('$validate on malformed input answers, never throws', () => {
  it('reports wrong kinds and lone surrogates in the OperationOutcome (200)', async () => {
    const p = patient();
    p.identifier.push('x');
    p.name[0].family = 'a\udc00';
    p.meta = { profile: 'http://x' };
    const res = await call('POST', 'Patient/$validate', p);
    if (res.status === 400) return; // a surrogate may be refused at the door already
    expect(res.status).toBe(200);
    expect(expressionsOf(res.body)).toEqual(
      expect.arrayContaining(['Patient.identifier[1]', 'Patient.name[0].family', 'Patient.meta.profile']),
    );
  });

  it.each<[string, unknown]>([
    ['null among the parameters', [null, { name: 'resource', resource: { resourceType: 'Patient' } }]],
    [
      'a number as profile',
      [
        { name: 'profile', valueUri: 5 },
        { name: 'resource', resource: { resourceType: 'Patient' } },
      ],
    ],
  ])('%s is 400 or a result, not 500', async (_what, parameter) => {
    const res = await call('POST', 'Patient/$validate', { resourceType: 'Parameters', parameter });
    expect([200, 400, 422]).toContain(res.status);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});

describe('legal values at the edges are stored and searchable', () => {
  it('stores birthDate 9999-12-31 and answers birthdate searches with every prefix', async () => {
    const created = await call('POST', 'Patient', { ...patient(), birthDate: '9999-12-31' });
    expect(created.status).toBe(201);
    for (const prefix of ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap', '']) {
      for (const date of ['9999-12-31', '9999', '0001-01-01']) {
        const res = await call('GET', `Patient?birthdate=${prefix}${date}`);
        expect({ prefix, date, status: res.status }).toEqual({ prefix, date, status: 200 });
      }
    }
    for (const prefix of ['eq', 'gt', 'le', 'sa', 'ap']) {
      const res = await call('GET', `Patient?_lastUpdated=${prefix}9999-12-31`);
      expect({ prefix, status: res.status }).toEqual({ prefix, status: 200 });
    }
    const found = await call('GET', 'Patient?birthdate=9999-12-31');
    expect(found.body.entry.map((e: any) => e.resource.id)).toContain(created.body.id);
  });

  it.each(['1950-02-30', '2023-02-29', '2024-13-01', '2024-01-01T25:00'])(
    'answers 400 to the search date %s',
    async (date) => {
      const res = await call('GET', `Patient?birthdate=${date}`);
      expect(res.status).toBe(400);
      expect(res.body.issue[0].expression).toEqual(['birthdate']);
    },
  );

  it.each(['_history?_since=1950-02-30', 'Patient/_history?_at=2024-02-30T10:00:00Z'])(
    'answers 400 to the history date in %s',
    async (path) => {
      const res = await call('GET', path);
      expect(res.status).toBe(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
    },
  );

  it('stores a 3,000-character token, uri and reference, and finds each by exact search', async () => {
    // Random text: PostgreSQL compresses index entries, so a repeated character would fit anyway.
    const random = (n: number) => randomBytes(n).toString('base64url').slice(0, n);
    const long = random(3000);
    const source = `https://example.org/${random(3000)}`;
    const gp = `https://example.org/${random(3000)}/Organization/1`;
    const p = patient();
    p.identifier.push({ system: 'https://example.org/long', value: long });
    p.meta = { ...p.meta, source };
    p.generalPractitioner = [{ reference: gp }];
    const created = await call('POST', 'Patient', p);
    expect(created.status).toBe(201);
    for (const query of [
      `identifier=${encodeURIComponent(`https://example.org/long|${long}`)}`,
      `_source=${encodeURIComponent(source)}`,
      `general-practitioner=${encodeURIComponent(gp)}`,
    ]) {
      const res = await call('GET', `Patient?${query}`);
      expect({ query: query.slice(0, 30), status: res.status }).toEqual({
        query: query.slice(0, 30),
        status: 200,
      });
      expect(res.body.entry?.map((e: any) => e.resource.id)).toEqual([created.body.id]);
    }
    const other = await call(
      'GET',
      `Patient?identifier=${encodeURIComponent(`https://example.org/long|${long}y`)}`,
    );
    expect(other.body.entry ?? []).toEqual([]);
  });

  it('stores display-only references (ref-1 is satisfied by an empty result)', async () => {
    const directive: any = newFromExample('nl-core-TreatmentDirective2-01');
    directive.sourceReference = { display: directive.sourceReference.display };
    // Literal references must name stored resources (referential integrity): a stored Patient, display-only actors.
    const subject = await call('POST', 'Patient', newFromExample('nl-core-Patient-01'));
    directive.patient = { reference: `Patient/${subject.body.id}` };
    for (const actor of directive.provision.actor)
      actor.reference = { display: actor.reference.display ?? 'actor' };
    const consent = await call('POST', 'Consent', directive);
    expect({ status: consent.status, issues: consent.body.issue }).toEqual({
      status: 201,
      issues: undefined,
    });

    const demo = JSON.parse(fs.readFileSync(projectPath('examples', 'demo-data.json'), 'utf8')) as Bundle;
    const plan = demo.entry?.find((e) => e.resource?.resourceType === 'CarePlan')?.resource as any;
    plan.author = { display: 'Dr. A. de Vries, specialist ouderengeneeskunde' };
    const res = await call('POST', '', demo);
    expect({ status: res.status, issues: res.body.issue }).toEqual({ status: 200, issues: undefined });
    const stored = res.body.entry
      .map((e: any) => e.resource as Resource)
      .find((r: any) => r?.resourceType === 'CarePlan' && r.author && !r.author.reference);
    expect(stored?.author).toEqual({ display: 'Dr. A. de Vries, specialist ouderengeneeskunde' });
  });
});

// Validation comes before the access policy (found by the full fuzz run): the policy's rules read references,
// and a number where a reference string belongs made the MESO team's write a 500.
describe('a restricted client writing malformed references', () => {
  it('gets 422 with the expression, from validation, before the access policy looks at it', async () => {
    const meso = await server.authHeader('meso-team');
    const goal = JSON.parse(
      fs.readFileSync(projectPath('examples', 'fixtures', 'Goal-meso-demo-client-1-goal-1.json'), 'utf8'),
    );
    delete goal.id;
    goal.subject = { reference: 982695970, type: 'Patient' };
    const res = await fetch(`${server.baseUrl}/Goal`, {
      method: 'POST',
      headers: { Authorization: meso, 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify(goal),
    });
    expect(res.status).toBe(422);
    expect(expressionsOf((await res.json()) as OperationOutcome)).toContain('Goal.subject.reference');
  });
});
