import { randomUUID } from 'node:crypto';
import Client from 'fhir-kit-client';
import type { Bundle, Condition, Organization, Patient } from '@medplum/fhirtypes';
import { startTestServer, type TestServer, expectOutcome } from '../support/test-server';
import { newFromExample } from '../support/fixtures';
import { BSN, allPages, dutchName, entries, idsOf, refOf, refused, resourcesOf, tick } from './e2e-helpers';

/**
 * Every search feature of issue 3, as the admin client, on resources this file creates itself. Each test narrows
 * its searches with a tag of its own, so they do not see each other's resources.
 */
let server: TestServer;
let admin: Client;

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.client('admin');
});
afterAll(() => server.close());

const TAGS = 'https://meso-zorg.nl/fhir/CodeSystem/e2e-test';
const tagParam = (tag: string) => `${TAGS}|${tag}`;

function patient(
  tag: string,
  p: { given: string; family: string; gender: Patient['gender']; birthDate: string; bsn?: string },
): Patient {
  const resource = newFromExample<Patient>('nl-core-Patient-01');
  delete resource.text;
  resource.meta = { ...resource.meta, tag: [{ system: TAGS, code: tag }] };
  resource.name = [dutchName(p.given, p.family)];
  resource.gender = p.gender;
  delete (resource as { _gender?: unknown })._gender;
  resource.birthDate = p.birthDate;
  resource.identifier = p.bsn ? [{ system: BSN, value: p.bsn }] : [{ value: `LOCAL-${p.given}` }];
  return resource;
}

const create = async <T extends Patient | Condition | Organization>(resource: T): Promise<T> =>
  (await admin.create({ resourceType: resource.resourceType, body: resource as never })) as unknown as T;

const find = async (resourceType: string, searchParams: Record<string, string | string[]>) =>
  (await admin.search({ resourceType, searchParams })) as unknown as Bundle;

/** The ids of the matches, in the order returned. */
const matched = (bundle: Bundle) => resourcesOf(bundle, undefined, 'match').map((r) => r.id as string);
const sorted = (bundle: Bundle) => [...matched(bundle)].sort();

describe('search', () => {
  const tag = randomUUID();
  let zoe: Patient; // Zoë de Vries, F, 1934-04-28
  let zoe2: Patient; // Zoe van Dijk, F, 1950-06-15
  let johannes: Patient; // Johannes Bakker, M, 1940-01-01
  let anna: Patient; // Anna Bakker, F, 1940-01-01, a local identifier without system
  let practice: Organization;
  let oedeem: Condition;
  let oedeem2: Condition;
  const ids = (...resources: Array<{ id?: string }>) => resources.map((r) => r.id as string).sort();
  const patients = (params: Record<string, string | string[]>) =>
    find('Patient', { _tag: tagParam(tag), ...params });

  beforeAll(async () => {
    const org = newFromExample<Organization>('nl-core-HealthcareProvider-Organization-01');
    delete org.text;
    org.meta = { ...org.meta, tag: [{ system: TAGS, code: tag }] };
    practice = await create(org);
    zoe = await create({
      ...patient(tag, {
        given: 'Zoë',
        family: 'de Vries',
        gender: 'female',
        birthDate: '1934-04-28',
        bsn: '999900018',
      }),
      generalPractitioner: [{ reference: refOf(practice), type: 'Organization' }],
    });
    await tick();
    zoe2 = await create(
      patient(tag, {
        given: 'Zoe',
        family: 'van Dijk',
        gender: 'female',
        birthDate: '1950-06-15',
        bsn: '999900031',
      }),
    );
    await tick();
    johannes = await create(
      patient(tag, {
        given: 'Johannes',
        family: 'Bakker',
        gender: 'male',
        birthDate: '1940-01-01',
        bsn: '999900043',
      }),
    );
    await tick();
    anna = await create(
      patient(tag, { given: 'Anna', family: 'Bakker', gender: 'female', birthDate: '1940-01-01' }),
    );
    const problem = (subject: Patient): Condition => {
      const c = newFromExample<Condition>('nl-core-Problem-01');
      c.meta = { ...c.meta, tag: [{ system: TAGS, code: tag }] };
      delete c.text;
      c.subject = { reference: refOf(subject), type: 'Patient' };
      return c;
    };
    oedeem = await create(problem(zoe));
    oedeem2 = await create(problem(zoe2));
  });

  describe('token', () => {
    it('system|code, |code, system| and code alone', async () => {
      expect(sorted(await patients({ identifier: `${BSN}|999900031` }))).toEqual(ids(zoe2));
      expect(sorted(await patients({ identifier: '999900031' }))).toEqual(ids(zoe2));
      expect(sorted(await patients({ identifier: `http://example.org/other|999900031` }))).toEqual([]);
      // |code: the identifier has no system.
      expect(sorted(await patients({ identifier: '|LOCAL-Anna' }))).toEqual(ids(anna));
      expect(sorted(await patients({ identifier: '|999900031' }))).toEqual([]);
      // system|: any value in that system.
      expect(sorted(await patients({ identifier: `${BSN}|` }))).toEqual(ids(zoe, zoe2, johannes));
      // A comma is OR.
      expect(sorted(await patients({ identifier: `${BSN}|999900018,${BSN}|999900043` }))).toEqual(
        ids(zoe, johannes),
      );
    });

    it(':not', async () => {
      expect(sorted(await patients({ gender: 'female' }))).toEqual(ids(zoe, zoe2, anna));
      expect(sorted(await patients({ 'gender:not': 'female' }))).toEqual(ids(johannes));
      expect(sorted(await patients({ 'gender:not': 'male' }))).toEqual(ids(zoe, zoe2, anna));
    });
  });

  describe('string', () => {
    it('matches a prefix, ignoring case and accents', async () => {
      expect(sorted(await patients({ name: 'zoe' }))).toEqual(ids(zoe, zoe2));
      expect(sorted(await patients({ name: 'ZOË' }))).toEqual(ids(zoe, zoe2));
      expect(sorted(await patients({ given: 'Zo' }))).toEqual(ids(zoe, zoe2));
      expect(sorted(await patients({ family: 'bakk' }))).toEqual(ids(johannes, anna));
      expect(sorted(await patients({ name: 'xyz' }))).toEqual([]);
    });

    it(':exact is case- and accent-sensitive and whole-value', async () => {
      expect(sorted(await patients({ 'given:exact': 'Zoë' }))).toEqual(ids(zoe));
      expect(sorted(await patients({ 'given:exact': 'Zoe' }))).toEqual(ids(zoe2));
      expect(sorted(await patients({ 'given:exact': 'zoë' }))).toEqual([]);
      expect(sorted(await patients({ 'family:exact': 'de Vries' }))).toEqual(ids(zoe));
      expect(sorted(await patients({ 'family:exact': 'de Vrie' }))).toEqual([]);
    });

    it(':contains matches anywhere', async () => {
      expect(sorted(await patients({ 'family:contains': 'VRIES' }))).toEqual(ids(zoe));
      expect(sorted(await patients({ 'family:contains': 'ak' }))).toEqual(ids(johannes, anna));
      expect(sorted(await patients({ 'name:contains': 'van d' }))).toEqual(ids(zoe2));
    });
  });

  describe('reference', () => {
    it('Type/id, a bare id and the patient parameter', async () => {
      const conditions = (params: Record<string, string>) =>
        find('Condition', { _tag: tagParam(tag), ...params });
      expect(sorted(await conditions({ subject: refOf(zoe) }))).toEqual(ids(oedeem));
      expect(sorted(await conditions({ subject: zoe.id as string }))).toEqual(ids(oedeem));
      expect(sorted(await conditions({ patient: zoe2.id as string }))).toEqual(ids(oedeem2));
      expect(sorted(await conditions({ 'subject:Patient': zoe2.id as string }))).toEqual(ids(oedeem2));
      expect(sorted(await conditions({ subject: `${refOf(zoe)},${refOf(zoe2)}` }))).toEqual(
        ids(oedeem, oedeem2),
      );
      expect(sorted(await conditions({ subject: 'Patient/does-not-exist' }))).toEqual([]);
    });

    it('chains: patient.identifier and subject:Patient.name', async () => {
      const conditions = (params: Record<string, string>) =>
        find('Condition', { _tag: tagParam(tag), ...params });
      expect(sorted(await conditions({ 'patient.identifier': `${BSN}|999900031` }))).toEqual(ids(oedeem2));
      expect(sorted(await conditions({ 'subject:Patient.name': 'zoe' }))).toEqual(ids(oedeem, oedeem2));
      expect(sorted(await conditions({ 'subject:Patient.family': 'de vries' }))).toEqual(ids(oedeem));
      expect(sorted(await patients({ 'general-practitioner.name': practice.name as string }))).toEqual(
        ids(zoe),
      );
    });
  });

  describe('date', () => {
    it.each([
      ['1940', ['johannes', 'anna']],
      ['1934-04', ['zoe']],
      ['1940-01-01', ['johannes', 'anna']],
      ['eq1940-01-01', ['johannes', 'anna']],
      ['ne1940-01-01', ['zoe', 'zoe2']],
      ['lt1940-01-01', ['zoe']],
      ['le1940-01-01', ['zoe', 'johannes', 'anna']],
      ['gt1940-01-01', ['zoe2']],
      ['ge1940-01-01', ['zoe2', 'johannes', 'anna']],
      ['sa1940-01-01', ['zoe2']],
      ['eb1940-01-01', ['zoe']],
      ['ap1950-06-10', ['zoe2']],
      ['gt1939', ['zoe2', 'johannes', 'anna']],
      ['lt1941', ['zoe', 'johannes', 'anna']],
    ])('birthdate=%s', async (value, expected) => {
      const byName: Record<string, Patient> = { zoe, zoe2, johannes, anna };
      expect(sorted(await patients({ birthdate: value }))).toEqual(ids(...expected.map((n) => byName[n])));
    });

    it('two date parameters are AND-ed (a range)', async () => {
      expect(sorted(await patients({ birthdate: ['ge1935', 'le1945'] }))).toEqual(ids(johannes, anna));
    });

    it('a dateTime with fractional seconds covers just that millisecond', async () => {
      const c = newFromExample<Condition>('nl-core-Problem-01');
      delete c.text;
      c.meta = { ...c.meta, tag: [{ system: TAGS, code: tag }] };
      c.subject = { reference: refOf(johannes), type: 'Patient' };
      c.onsetDateTime = '2012-08-10T10:15:30.250+02:00';
      delete c.abatementDateTime;
      const onset = await create(c);
      const onsets = async (value: string) =>
        sorted(
          await find('Condition', {
            _tag: tagParam(tag),
            patient: johannes.id as string,
            'onset-date': value,
          }),
        );
      expect(await onsets('2012-08-10T10:15:30.250+02:00')).toEqual(ids(onset));
      expect(await onsets('gt2012-08-10T10:15:30.100+02:00')).toEqual(ids(onset));
      expect(await onsets('lt2012-08-10T10:15:30.400+02:00')).toEqual(ids(onset));
      expect(await onsets('gt2012-08-10T10:15:30.400+02:00')).toEqual([]);
      expect(await onsets('lt2012-08-10T10:15:30.100+02:00')).toEqual([]);
      await admin.delete({ resourceType: 'Condition', id: onset.id as string });
    });

    it('a malformed date is 400', async () => {
      const res = await refused(
        admin.search({ resourceType: 'Patient', searchParams: { birthdate: 'gisteren' } }),
      );
      expect(res.status).toBe(400);
      expectOutcome(res.data, 'invalid');
    });
  });

  describe('_id, _lastUpdated and _count', () => {
    it('_id with one or more ids', async () => {
      expect(sorted(await patients({ _id: zoe.id as string }))).toEqual(ids(zoe));
      expect(sorted(await patients({ _id: `${zoe.id},${anna.id}` }))).toEqual(ids(zoe, anna));
    });

    it('_lastUpdated with prefixes', async () => {
      // Created in the order zoe, zoe2, johannes, anna (with a pause in between).
      expect(sorted(await patients({ _lastUpdated: `gt${zoe2.meta?.lastUpdated}` }))).toEqual(
        ids(johannes, anna),
      );
      expect(sorted(await patients({ _lastUpdated: `ge${zoe2.meta?.lastUpdated}` }))).toEqual(
        ids(zoe2, johannes, anna),
      );
      expect(sorted(await patients({ _lastUpdated: `lt${zoe2.meta?.lastUpdated}` }))).toEqual(ids(zoe));
      expect(sorted(await patients({ _lastUpdated: `le${johannes.meta?.lastUpdated}` }))).toEqual(
        ids(zoe, zoe2, johannes),
      );
      expect(
        sorted(
          await patients({
            _lastUpdated: [`ge${zoe2.meta?.lastUpdated}`, `le${johannes.meta?.lastUpdated}`],
          }),
        ),
      ).toEqual(ids(zoe2, johannes));
    });

    it('_count limits a page and offers next', async () => {
      const page = await patients({ _count: '2' });
      expect(entries(page, 'match')).toHaveLength(2);
      expect(page.link?.some((l) => l.relation === 'next')).toBe(true);
      const zero = await patients({ _count: '0', _total: 'accurate' });
      expect(entries(zero, 'match')).toHaveLength(0);
      expect(zero.total).toBe(4);
    });
  });

  describe('_sort', () => {
    it('sorts by several keys, - for descending', async () => {
      expect(matched(await patients({ _sort: 'gender,-birthdate' }))).toEqual(
        [zoe2, anna, zoe, johannes].map((p) => p.id),
      );
      expect(matched(await patients({ _sort: '-gender,birthdate' }))).toEqual(
        [johannes, zoe, anna, zoe2].map((p) => p.id),
      );
      expect(matched(await patients({ _sort: 'family,given' }))).toEqual(
        [anna, johannes, zoe, zoe2].map((p) => p.id),
      );
      expect(matched(await patients({ _sort: 'family,-given' }))).toEqual(
        [johannes, anna, zoe, zoe2].map((p) => p.id),
      );
      expect(matched(await patients({ _sort: '-_lastUpdated' }))).toEqual(
        [anna, johannes, zoe2, zoe].map((p) => p.id),
      );
    });

    it('keeps the sort order across pages', async () => {
      const first = await patients({ _sort: 'birthdate,given', _count: '3' });
      const pages = await allPages(admin, first);
      const order = pages.flatMap(matched);
      expect(order).toEqual([zoe, anna, johannes, zoe2].map((p) => p.id));
    });
  });

  describe('_include and _revinclude', () => {
    it('_include brings the referenced resources as include', async () => {
      const bundle = await find('Condition', { _id: oedeem.id as string, _include: 'Condition:subject' });
      expect(matched(bundle)).toEqual([oedeem.id]);
      expect(resourcesOf(bundle, 'Patient', 'include').map((r) => r.id)).toEqual([zoe.id]);
    });

    it('_revinclude brings the resources that reference the matches', async () => {
      const bundle = await find('Patient', {
        _id: `${zoe.id},${johannes.id}`,
        _revinclude: 'Condition:subject',
      });
      expect(sorted(bundle)).toEqual(ids(zoe, johannes));
      expect(resourcesOf(bundle, 'Condition', 'include').map((r) => r.id)).toEqual([oedeem.id]);
    });

    it(':iterate follows references of included resources', async () => {
      const forward = await find('Condition', {
        _id: oedeem.id as string,
        _include: 'Condition:subject',
        '_include:iterate': 'Patient:general-practitioner',
      });
      expect(idsOf(resourcesOf(forward, undefined, 'include'))).toEqual(ids(zoe, practice));

      const backward = await find('Organization', {
        _id: practice.id as string,
        _revinclude: 'Patient:general-practitioner',
        '_revinclude:iterate': 'Condition:subject',
      });
      expect(matched(backward)).toEqual([practice.id]);
      expect(idsOf(resourcesOf(backward, undefined, 'include'))).toEqual(ids(zoe, oedeem));
    });

    it('without :iterate an include does not follow included resources', async () => {
      const bundle = await find('Organization', {
        _id: practice.id as string,
        _revinclude: ['Patient:general-practitioner', 'Condition:subject'],
      });
      expect(resourcesOf(bundle, 'Condition', 'include')).toEqual([]);
    });
  });

  describe('_summary, _total and _elements', () => {
    it('_summary=count gives only the total', async () => {
      const bundle = await patients({ _summary: 'count' });
      expect(bundle.total).toBe(4);
      expect(entries(bundle)).toHaveLength(0);
    });

    it('_total=accurate gives the total with a page of results', async () => {
      const bundle = await patients({ _total: 'accurate', _count: '1', gender: 'female' });
      expect(bundle.total).toBe(3);
      expect(entries(bundle, 'match')).toHaveLength(1);
    });

    it('_elements returns only the asked elements and marks them SUBSETTED', async () => {
      const bundle = await patients({ _id: zoe.id as string, _elements: 'identifier,birthDate' });
      const [subset] = resourcesOf<Patient>(bundle, 'Patient', 'match');
      expect(subset.id).toBe(zoe.id);
      expect(subset.identifier).toEqual(zoe.identifier);
      expect(subset.birthDate).toBe('1934-04-28');
      expect(subset.name).toBeUndefined();
      expect(subset.address).toBeUndefined();
      expect(subset.meta?.tag).toContainEqual(
        expect.objectContaining({
          system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
          code: 'SUBSETTED',
        }),
      );
      // The stored resource is untouched.
      const full = (await admin.read({
        resourceType: 'Patient',
        id: zoe.id as string,
      })) as unknown as Patient;
      expect(full.name?.[0].family).toBe('de Vries');
      expect(full.meta?.tag?.some((t) => t.code === 'SUBSETTED')).toBe(false);
    });
  });

  describe('POST [type]/_search', () => {
    it('takes the parameters form-encoded in the body and answers like GET', async () => {
      const params = { _tag: tagParam(tag), name: 'zoe', _sort: 'birthdate' };
      const posted = (await admin.search({
        resourceType: 'Patient',
        searchParams: params,
        options: { postSearch: true },
      } as never)) as unknown as Bundle;
      expect(posted.type).toBe('searchset');
      expect(matched(posted)).toEqual([zoe.id, zoe2.id]);
      const got = await find('Patient', params);
      expect(matched(got)).toEqual(matched(posted));
    });
  });
});

describe('paging links stay correct while others write', () => {
  it('returns every original resource exactly once', async () => {
    const tag = randomUUID();
    const make = (given: string, birthDate: string) =>
      create(patient(tag, { given, family: 'Paging', gender: 'other', birthDate }));
    // Sorted by birth date: the "others" (1920s) come first and sit on page 1, the originals (1930s) after them.
    const others = [
      await make('Ander1', '1920-01-01'),
      await make('Ander2', '1921-01-01'),
      await make('Ander3', '1922-01-01'),
    ];
    const originals: Patient[] = [];
    for (let i = 0; i < 12; i++) originals.push(await make(`Origineel${i}`, `${1930 + i}-06-01`));

    const params = { _tag: tagParam(tag), _sort: 'birthdate', _count: '5' };
    const pages: Bundle[] = [await find('Patient', params)];
    expect(matched(pages[0])).toEqual([...others, originals[0], originals[1]].map((p) => p.id));

    // Others delete what was on page 1 and add new resources in front: offset paging would skip or repeat.
    for (const other of others) await admin.delete({ resourceType: 'Patient', id: other.id as string });
    await make('Nieuw1', '1910-01-01');
    let page = pages[0];
    while (page.link?.some((l) => l.relation === 'next')) {
      page = (await admin.nextPage({ bundle: page as never })) as unknown as Bundle;
      pages.push(page);
      await make(`Nieuw-${pages.length}-a`, '1911-01-01');
      await make(`Nieuw-${pages.length}-b`, '1912-01-01');
      expect(pages.length).toBeLessThan(10);
    }
    const seen = pages.flatMap(matched);
    for (const original of originals) expect(seen.filter((id) => id === original.id)).toHaveLength(1);
    // In order, and nothing deleted shows up.
    const seenOriginals = seen.filter((id) => originals.some((o) => o.id === id));
    expect(seenOriginals).toEqual(originals.map((o) => o.id));
    for (const other of others.slice(0)) expect(seen.slice(5)).not.toContain(other.id);

    // Each page has a self link; pages after the first offer previous.
    for (const p of pages) expect(p.link?.some((l) => l.relation === 'self')).toBe(true);
    expect(pages[1].link?.some((l) => l.relation === 'previous' || l.relation === 'prev')).toBe(true);
  });
});
