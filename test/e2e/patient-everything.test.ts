import Client from 'fhir-kit-client';
import type {
  AuditEvent,
  Bundle,
  CapabilityStatement,
  Condition,
  EpisodeOfCare,
  Patient,
} from '@medplum/fhirtypes';
import { startTestServer, type TestServer, expectOutcome } from '../support/test-server';
import { newFromExample } from '../support/fixtures';
import {
  allPages,
  asSeenBy,
  BSN,
  byIdentifier,
  entries,
  getBundle,
  issuesAt,
  refOf,
  refused,
  resourcesOf,
  tick,
} from './e2e-helpers';

/**
 * The GP EHR pulls everything about its patient with the standard Patient/{id}/$everything (R4
 * patient-operation-everything): the compartment as matches, the practitioners and organisations as includes,
 * narrowed by _type and _since, paged by _count; refused for patients that are not its own. Demo data: Truus
 * Bakker-Hoekstra (999911120), a patient of De Brink.
 */
let server: TestServer;
let gp: Client;
let admin: Client;
let patient: Patient;

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  [gp, admin] = await Promise.all([server.client('gp'), server.client('admin')]);
  patient = await byIdentifier<Patient>(gp, 'Patient', BSN, '999911120');
});
afterAll(() => server.close());

const everything = (client: Client, query = '', id = patient.id as string) =>
  getBundle(client, `Patient/${id}/$everything${query}`);

const keysOf = (bundle: Bundle, mode?: 'match' | 'include') =>
  resourcesOf(bundle, undefined, mode).map(refOf).sort();

describe('Patient/{id}/$everything for the GP', () => {
  it('returns the patient, the care plan and its parts as matches, the professionals as includes', async () => {
    const bundle = await everything(gp);
    expect(bundle.type).toBe('searchset');
    const matchTypes = new Set(resourcesOf(bundle, undefined, 'match').map((r) => r.resourceType));
    for (const type of ['Patient', 'CarePlan', 'CareTeam', 'Goal', 'Condition', 'EpisodeOfCare'])
      expect(matchTypes).toContain(type);
    expect(resourcesOf(bundle, 'Patient', 'match').map(refOf)).toEqual([refOf(patient)]);
    const includeTypes = new Set(resourcesOf(bundle, undefined, 'include').map((r) => r.resourceType));
    expect(includeTypes).toContain('Practitioner');
    expect(includeTypes).toContain('Organization');
    expect(
      [...includeTypes].every((t) => ['Practitioner', 'PractitionerRole', 'Organization'].includes(t)),
    ).toBe(true);
    // Every include is referenced by a match, or by an included role (its practitioner and organisation).
    const referrers = [
      ...resourcesOf(bundle, undefined, 'match'),
      ...resourcesOf(bundle, 'PractitionerRole'),
    ];
    const text = JSON.stringify(referrers);
    for (const included of keysOf(bundle, 'include')) expect(text).toContain(`"${included}"`);
    expect(bundle.total).toBe(entries(bundle, 'match').length);
  });

  it('is the same by POST with a Parameters body', async () => {
    const byPost = (await gp.operation({
      resourceType: 'Patient',
      id: patient.id as string,
      name: 'everything',
      method: 'POST',
      input: { resourceType: 'Parameters', parameter: [{ name: '_type', valueCode: 'CarePlan,Goal' }] },
    })) as unknown as Bundle;
    const byGet = await everything(gp, '?_type=CarePlan,Goal');
    expect(keysOf(byPost)).toEqual(keysOf(byGet));
  });

  it('_type narrows to the given types', async () => {
    const bundle = await everything(gp, '?_type=CarePlan,Goal');
    const types = new Set(resourcesOf(bundle).map((r) => r.resourceType));
    expect([...types].sort()).toEqual(['CarePlan', 'Goal']);
    expect(entries(bundle, 'include')).toHaveLength(0);
  });

  it('_since narrows to what changed since', async () => {
    const all = await everything(gp);
    await tick();
    const since = new Date().toISOString();
    await tick();
    const problem = newFromExample<Condition>('nl-core-Problem-01');
    problem.subject = { reference: refOf(patient), type: 'Patient' };
    const created = (await admin.create({
      resourceType: 'Condition',
      body: problem as never,
    })) as unknown as Condition;
    const bundle = await everything(gp, `?_since=${encodeURIComponent(since)}`);
    expect(keysOf(bundle, 'match')).toEqual([refOf(created)]);
    expect(entries(bundle).length).toBeLessThan(entries(all).length);
  });

  it('_count=2 pages through with next links; the pages together are the whole', async () => {
    const whole = await everything(gp, '?_count=1000');
    const pages = await allPages(gp, await everything(gp, '?_count=2'));
    expect(pages.length).toBeGreaterThan(2);
    for (const page of pages) expect(entries(page, 'match').length).toBeLessThanOrEqual(2);
    const matches = pages.flatMap((p) => keysOf(p, 'match'));
    expect(new Set(matches).size).toBe(matches.length);
    expect(matches.sort()).toEqual(keysOf(whole, 'match'));
    const includes = new Set(pages.flatMap((p) => keysOf(p, 'include')));
    expect([...includes].sort()).toEqual(keysOf(whole, 'include'));
  });

  it('is audited once, as a read for the patient with what it returned and the query', async () => {
    const bundle = await everything(gp, '?_type=Goal');
    const audit = (await admin.search({
      resourceType: 'AuditEvent',
      searchParams: { entity: refOf(patient), subtype: 'operation', _sort: '-date', _count: '1' },
    })) as unknown as Bundle;
    const event = resourcesOf<AuditEvent>(audit, 'AuditEvent')[0];
    expect(event.action).toBe('R');
    const what = (event.entity ?? []).flatMap((e) => (e.what?.reference ? [e.what.reference] : []));
    expect(what).toContain(refOf(patient));
    for (const goal of keysOf(bundle)) expect(what).toContain(goal);
    const query = (event.entity ?? []).find((e) => e.query)?.query as string;
    expect(Buffer.from(query, 'base64').toString('utf8')).toContain(
      `Patient/${patient.id}/$everything?_type=Goal`,
    );
  });

  it('keeps _format in its paging links', async () => {
    const first = await everything(gp, '?_count=2&_format=json');
    const next = first.link?.find((l) => l.relation === 'next')?.url as string;
    expect(next).toContain('_format=json');
    expect(entries(await getBundle(gp, next.slice(next.indexOf('Patient/'))), 'match')).toHaveLength(2);
  });

  it('a cursor of another $everything (other _type) is a 400 naming _cursor', async () => {
    const first = await everything(gp, '?_count=2');
    const next = new URL(first.link?.find((l) => l.relation === 'next')?.url as string);
    const cursor = next.searchParams.get('_cursor') as string;
    const error = await refused(everything(gp, `?_count=2&_type=Goal&_cursor=${encodeURIComponent(cursor)}`));
    expect(error.status).toBe(400);
    expect(issuesAt(error.data, '_cursor')).toHaveLength(1);
  });

  it('an unknown _type is a 400 naming _type', async () => {
    const error = await refused(everything(gp, '?_type=CarePlan,Nonsense'));
    expect(error.status).toBe(400);
    expect(issuesAt(error.data, '_type')).toHaveLength(1);
  });

  it('start and end are refused as not supported', async () => {
    const error = await refused(everything(gp, '?start=2025-01-01'));
    expect(error.status).toBe(400);
    expectOutcome(error.data, 'not-supported');
    expect(issuesAt(error.data, 'start')).toHaveLength(1);
  });

  it('is listed in the CapabilityStatement on Patient with its OperationDefinition', async () => {
    const statement = (await gp.capabilityStatement()) as unknown as CapabilityStatement;
    const resources = statement.rest?.[0].resource ?? [];
    const onPatient = resources.find((r) => r.type === 'Patient')?.operation ?? [];
    expect(onPatient).toContainEqual({
      name: 'everything',
      definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything',
    });
    const onCarePlan = resources.find((r) => r.type === 'CarePlan')?.operation ?? [];
    expect(onCarePlan.map((o) => o.name)).not.toContain('everything');
  });
});

describe('Patient/{id}/$everything is refused as a read of the patient would be', () => {
  it('another practice’s patient is 403 for the GP', async () => {
    const stranger = newFromExample<Patient>('nl-core-Patient-01');
    stranger.identifier = [{ system: BSN, value: '999900079' }];
    const created = (await admin.create({
      resourceType: 'Patient',
      body: stranger as never,
    })) as unknown as Patient;
    const read = await refused(gp.read({ resourceType: 'Patient', id: created.id as string }));
    const error = await refused(everything(gp, '', created.id as string));
    expect(error.status).toBe(read.status);
    expectOutcome(error.data, 'forbidden');
  });

  it('an unknown patient is 404', async () => {
    const error = await refused(everything(gp, '', 'no-such-patient'));
    expect(error.status).toBe(404);
  });
});

describe('Patient/{id}/$everything for the regional platform', () => {
  it('is pseudonymised: pseudonymous ids, no BSN', async () => {
    const platform = await server.client('platform');
    const pseudonym = asSeenBy('platform', 'Patient', patient.id as string);
    const bundle = await everything(platform, '', pseudonym);
    const text = JSON.stringify(bundle);
    expect(text).not.toContain('999911120');
    expect(text).not.toContain(`Patient/${patient.id}`);
    expect(resourcesOf(bundle, 'Patient', 'match').map((p) => p.id)).toEqual([pseudonym]);
    // What the platform may see of the patient (its policy shows episodes), with the pseudonym as the patient.
    const episodes = resourcesOf<EpisodeOfCare>(bundle, 'EpisodeOfCare', 'match');
    expect(episodes.length).toBeGreaterThan(0);
    for (const episode of episodes) expect(episode.patient.reference).toBe(`Patient/${pseudonym}`);
    const searched = await getBundle(platform, `EpisodeOfCare?patient=${pseudonym}`);
    expect(episodes.map(refOf).sort()).toEqual(keysOf(searched, 'match'));
    // What its policy hides stays hidden: per type exactly what its searches show, none where they are refused.
    for (const type of ['CarePlan', 'Condition', 'Goal', 'CareTeam']) {
      const shown = await getBundle(platform, `${type}?patient=${pseudonym}`).catch(async (err: unknown) => {
        expect((await refused(Promise.reject(err))).status).toBe(403);
        return { resourceType: 'Bundle', type: 'searchset' } as Bundle;
      });
      expect(resourcesOf(bundle, type).map(refOf).sort()).toEqual(keysOf(shown, 'match'));
    }
    // Its paging works with pseudonyms too.
    const pages = await allPages(platform, await everything(platform, '?_count=2', pseudonym));
    const matches = pages.flatMap((p) => keysOf(p, 'match')).sort();
    expect(matches).toEqual(keysOf(bundle, 'match'));
  });

  it('a real patient id is 404 for the platform', async () => {
    const platform = await server.client('platform');
    const error = await refused(everything(platform, '', patient.id as string));
    expect(error.status).toBe(404);
  });
});
