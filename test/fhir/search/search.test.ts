import type { EpisodeOfCare, Observation, Patient, Task } from '@medplum/fhirtypes';
import { FhirError } from '../../../src/kernel/outcome';
import type { Database } from '../../../src/store/database';
import { nlCoreExample } from '../../support/fixtures';
import { createTestDatabase } from '../../support/test-database';
import { BASE, ids, link, remove, run, save } from './search-support';

const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn';
let db: Database;

function weight(id: string, grams: number, date: string): Observation {
  return {
    ...nlCoreExample<Observation>('nl-core-BodyWeight-01'),
    id,
    valueQuantity: { value: grams, unit: 'gram', system: 'http://unitsofmeasure.org', code: 'g' },
    effectiveDateTime: date,
  };
}

beforeAll(async () => {
  db = await createTestDatabase();
  const accent: Patient = {
    ...nlCoreExample<Patient>('nl-core-Patient-01'),
    id: 'accent',
    identifier: [{ system: BSN, value: '999911120' }],
    name: [{ family: 'Bréton', given: ['Geneviève'] }],
    birthDate: '1941-07-03',
    telecom: [],
    address: [],
  };
  await save(
    db,
    nlCoreExample('nl-core-Patient-01'),
    accent,
    nlCoreExample('nl-core-CareTeam-01-Patient-01'),
    nlCoreExample('nl-core-HealthcareProvider-Organization-01'),
    nlCoreExample('nl-core-EpisodeOfCare-01'),
    nlCoreExample('nl-core-CareTeam-01'),
    nlCoreExample('nl-core-BodyWeight-01'),
    weight('w-2025-03', 71000, '2025-03-15T10:00:00+01:00'),
    weight('w-2025-04', 72500, '2025-04-01'),
    { ...weight('w-accent', 65000, '2024-12-31'), subject: { reference: 'Patient/accent' } },
  );
});
afterAll(() => db.close());

describe('token', () => {
  it('matches system|code, code, |code and system|', async () => {
    expect(ids(await run(db, 'Patient', `identifier=${BSN}|111222333`))).toEqual(['nl-core-Patient-01']);
    expect(ids(await run(db, 'Patient', 'identifier=111222333'))).toEqual(['nl-core-Patient-01']);
    expect(ids(await run(db, 'Patient', 'identifier=|111222333'))).toEqual([]);
    expect(ids(await run(db, 'Patient', `identifier=${BSN}|`))).toEqual(['accent', 'nl-core-Patient-01']);
    expect(ids(await run(db, 'Observation', 'code=http://loinc.org|29463-7&_count=1'))).toHaveLength(1);
  });

  it('matches booleans, codes, ContactPoints, :not and :text', async () => {
    expect(ids(await run(db, 'Patient', 'gender=female&deceased=false'))).toContain('nl-core-Patient-01');
    expect(ids(await run(db, 'Patient', 'telecom=email|giesput@myweb.nl'))).toEqual(['nl-core-Patient-01']);
    expect(ids(await run(db, 'Patient', 'identifier:not=111222333'))).not.toContain('nl-core-Patient-01');
    expect(ids(await run(db, 'Observation', 'code:text=body%20W&_count=1'))).toHaveLength(1);
    // Codes are case-sensitive.
    expect(ids(await run(db, 'Patient', 'gender=FEMALE'))).toEqual([]);
  });
});

describe('string', () => {
  it('matches a prefix ignoring case and accents, :exact and :contains', async () => {
    expect(ids(await run(db, 'Patient', 'name=genevieve'))).toEqual(['accent']);
    expect(ids(await run(db, 'Patient', 'family=BRET'))).toEqual(['accent']);
    expect(ids(await run(db, 'Patient', 'family:exact=Bréton'))).toEqual(['accent']);
    expect(ids(await run(db, 'Patient', 'family:exact=breton'))).toEqual([]);
    expect(ids(await run(db, 'Patient', 'family:contains=der%20gies'))).toEqual(['nl-core-Patient-01']);
  });

  it('finds the own and partner name parts of an nl-core name', async () => {
    expect(ids(await run(db, 'Patient', 'family=Giessen'))).toEqual(['nl-core-Patient-01']);
    expect(ids(await run(db, 'Patient', 'address-city=hoogmade'))).toEqual(['nl-core-Patient-01']);
  });

  it('escapes LIKE wildcards in values', async () => {
    expect(ids(await run(db, 'Patient', 'family=%25'))).toEqual([]);
  });
});

describe('reference', () => {
  it('matches Type/id, a plain id, :Type, an absolute URL to this server and :identifier', async () => {
    expect(ids(await run(db, 'EpisodeOfCare', 'patient=Patient/nl-core-Patient-01'))).toEqual([
      'nl-core-EpisodeOfCare-01',
    ]);
    expect(ids(await run(db, 'EpisodeOfCare', 'patient=nl-core-Patient-01'))).toEqual([
      'nl-core-EpisodeOfCare-01',
    ]);
    expect(ids(await run(db, 'Observation', 'subject:Patient=accent'))).toEqual(['w-accent']);
    expect(ids(await run(db, 'Observation', `subject=${BASE}/Patient/accent`))).toEqual(['w-accent']);
    const task: Task = {
      resourceType: 'Task',
      id: 't1',
      status: 'requested',
      intent: 'order',
      owner: { identifier: { system: 'http://fhir.nl/fhir/NamingSystem/ura', value: '06020806' } },
    };
    await save(db, task);
    expect(
      ids(await run(db, 'Task', 'owner:identifier=http://fhir.nl/fhir/NamingSystem/ura|06020806')),
    ).toEqual(['t1']);
  });

  it('follows chains of one and two levels', async () => {
    expect(ids(await run(db, 'Observation', `patient.identifier=${BSN}|999911120`))).toEqual(['w-accent']);
    expect(ids(await run(db, 'Observation', 'subject:Patient.name=breton'))).toEqual(['w-accent']);
    expect(ids(await run(db, 'CareTeam', 'participant:Patient.name=ingrid'))).toEqual([
      'nl-core-CareTeam-01',
    ]);
    await save(db, {
      ...nlCoreExample<Patient>('nl-core-CareTeam-01-Patient-01'),
      managingOrganization: { reference: 'Organization/nl-core-HealthcareProvider-Organization-01' },
    });
    expect(ids(await run(db, 'CareTeam', 'participant:Patient.organization.identifier=06020806'))).toEqual([
      'nl-core-CareTeam-01',
    ]);
  });
});

describe('date', () => {
  it('treats partial dates as ranges and applies every prefix', async () => {
    const q = async (v: string) => ids(await run(db, 'Observation', `date=${v}&_sort=date`));
    expect(await q('2025')).toEqual(['w-2025-03', 'w-2025-04']);
    expect(await q('2025-03')).toEqual(['w-2025-03']);
    expect(await q('eq2025-03-15')).toEqual(['w-2025-03']);
    expect(await q('gt2025-03-15')).toEqual(['w-2025-04']);
    expect(await q('ge2025-03-15')).toEqual(['w-2025-03', 'w-2025-04']);
    expect(await q('lt2025-01')).toEqual(['nl-core-BodyWeight-01', 'w-accent']);
    expect(await q('le2024-12-31')).toEqual(['nl-core-BodyWeight-01', 'w-accent']);
    expect(await q('ne2025')).toEqual(['nl-core-BodyWeight-01', 'w-accent']);
    expect(await q('sa2025-03-31')).toEqual(['w-2025-04']);
    expect(await q('eb2014')).toEqual(['nl-core-BodyWeight-01']);
    expect(await q('ap2025-03-20')).toContain('w-2025-03');
    expect(await q('2025-03-15T09:00:00Z')).toEqual(['w-2025-03']);
  });

  it('searches Periods with overlap semantics (an open end is ongoing)', async () => {
    // EpisodeOfCare-01 started 2014-04-05 and has not ended.
    expect(ids(await run(db, 'EpisodeOfCare', 'date=gt2030-01-01'))).toEqual(['nl-core-EpisodeOfCare-01']);
    expect(ids(await run(db, 'EpisodeOfCare', 'date=lt2014-04-05'))).toEqual([]);
    // R4: le is "the range below the search value overlaps, or the search range contains": the period starts on
    // 5 April, so nothing of it lies before that day, and the day cannot contain an open period.
    expect(ids(await run(db, 'EpisodeOfCare', 'date=le2014-04-05'))).toEqual([]);
    expect(ids(await run(db, 'EpisodeOfCare', 'date=le2014-04-06'))).toEqual(['nl-core-EpisodeOfCare-01']);
  });

  it('applies ge and le to a Period as R4 words them: gt or lt, or contained in the searched range', async () => {
    const episode = (id: string, start: string, end: string): EpisodeOfCare => ({
      ...nlCoreExample<EpisodeOfCare>('nl-core-EpisodeOfCare-01'),
      id,
      status: 'finished',
      period: { start, end },
    });
    // [2020-05-01, 2020-05-21) and [2020-05-20, 2020-05-21): the first ends on the 20th, the second is that day.
    await save(db, episode('may', '2020-05-01', '2020-05-20'), episode('may-20', '2020-05-20', '2020-05-20'));
    const q = async (v: string) => ids(await run(db, 'EpisodeOfCare', `status=finished&date=${v}&_sort=_id`));
    expect(await q('ge2020-05-20')).toEqual(['may-20']);
    expect(await q('ge2020-05-19')).toEqual(['may', 'may-20']);
    expect(await q('le2020-05-20')).toEqual(['may', 'may-20']);
    expect(await q('le2020-05-01')).toEqual([]);
    expect(await q('le2020-05')).toEqual(['may', 'may-20']);
    expect(await q('ge2020-05')).toEqual(['may', 'may-20']);
    expect(await q('eq2020-05-20')).toEqual(['may-20']);
    expect(await q('ne2020-05-20')).toEqual(['may']);
    await remove(db, 'EpisodeOfCare', 'may');
    await remove(db, 'EpisodeOfCare', 'may-20');
  });

  it('searches and includes EpisodeOfCare.team (project SearchParameter EpisodeOfCare-team)', async () => {
    const episode: EpisodeOfCare = {
      ...nlCoreExample<EpisodeOfCare>('nl-core-EpisodeOfCare-01'),
      id: 'with-team',
      team: [{ reference: 'CareTeam/nl-core-CareTeam-01' }],
    };
    await save(db, episode);
    const bundle = await run(
      db,
      'EpisodeOfCare',
      'team=CareTeam/nl-core-CareTeam-01&_include=EpisodeOfCare:team',
    );
    expect(ids(bundle)).toEqual(['with-team']);
    expect(ids(bundle, 'include')).toEqual(['nl-core-CareTeam-01']);
    await remove(db, 'EpisodeOfCare', 'with-team');
  });

  it('rejects a malformed date with the parameter as expression', async () => {
    await expect(run(db, 'Observation', 'date=2025-13')).rejects.toMatchObject({
      status: 400,
      issues: [{ expression: ['date'] }],
    });
  });
});

describe('number and quantity', () => {
  it('compares quantities with prefixes, units and implicit precision', async () => {
    const q = async (v: string) =>
      ids(await run(db, 'Observation', `value-quantity=${v}&_sort=value-quantity`));
    expect(await q('71000')).toEqual(['w-2025-03']);
    expect(await q('gt70000|http://unitsofmeasure.org|g')).toEqual(['w-2025-03', 'w-2025-04']);
    expect(await q('lt3000||gram')).toEqual(['nl-core-BodyWeight-01']);
    expect(await q('le65000|http://unitsofmeasure.org|kg')).toEqual([]);
    expect(await q('7.1e4')).toEqual(['w-2025-03']);
    expect(await q('ap70000')).toEqual(['w-accent', 'w-2025-03', 'w-2025-04']);
  });
});

describe('_id, _lastUpdated, _profile, _tag, uri', () => {
  it('answers the Resource-level parameters', async () => {
    expect(ids(await run(db, 'Patient', '_id=accent,nl-core-Patient-01'))).toEqual([
      'accent',
      'nl-core-Patient-01',
    ]);
    expect(ids(await run(db, 'Patient', '_lastUpdated=gt2000-01-01&_id=accent'))).toEqual(['accent']);
    expect(ids(await run(db, 'Patient', '_lastUpdated=lt2000-01-01'))).toEqual([]);
    expect(
      ids(
        await run(db, 'Observation', '_profile=http://nictiz.nl/fhir/StructureDefinition/nl-core-BodyWeight'),
      ),
    ).toHaveLength(4);
    expect(
      ids(await run(db, 'Observation', '_profile:below=http://nictiz.nl/fhir/StructureDefinition/')),
    ).toHaveLength(4);
  });
});

describe(':missing, _tag and _security', () => {
  it('finds resources with and without a value for a parameter', async () => {
    expect(
      ids(await run(db, 'Patient', 'birthdate:missing=false&_id=accent,nl-core-CareTeam-01-Patient-01')),
    ).toEqual(['accent']);
    expect(
      ids(await run(db, 'Patient', 'identifier:missing=true&_id=accent,nl-core-CareTeam-01-Patient-01')),
    ).toEqual(['nl-core-CareTeam-01-Patient-01']);
  });

  it('searches meta.tag and meta.security as tokens', async () => {
    await save(db, {
      resourceType: 'Patient',
      id: 'tagged',
      meta: {
        tag: [{ system: 'urn:demo', code: 'demo' }],
        security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }],
      },
    });
    expect(ids(await run(db, 'Patient', '_tag=urn:demo|demo'))).toEqual(['tagged']);
    expect(ids(await run(db, 'Patient', '_security=R'))).toEqual(['tagged']);
  });
});

describe('deleted resources', () => {
  it('never match', async () => {
    await save(db, { resourceType: 'Patient', id: 'gone', name: [{ family: 'Weg' }] });
    expect(ids(await run(db, 'Patient', 'family=weg'))).toEqual(['gone']);
    await remove(db, 'Patient', 'gone');
    expect(ids(await run(db, 'Patient', 'family=weg'))).toEqual([]);
    expect(ids(await run(db, 'Patient', '_id=gone'))).toEqual([]);
  });
});

describe('errors and lenient handling', () => {
  it('answers 400 naming an unknown or unsupported parameter, unless lenient', async () => {
    const err = await run(db, 'Patient', 'foo=bar').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FhirError);
    expect((err as FhirError).status).toBe(400);
    expect((err as FhirError).issues[0].expression).toEqual(['foo']);
    await expect(run(db, 'Observation', 'code-value-quantity=x$1')).rejects.toMatchObject({
      issues: [{ code: 'not-supported', expression: ['code-value-quantity'] }],
    });
    await expect(run(db, 'Patient', 'name:below=x')).rejects.toMatchObject({
      issues: [{ expression: ['name:below'] }],
    });
    const lenient = await run(db, 'Patient', 'foo=bar&family=bret&_format=json', { lenient: true });
    expect(ids(lenient)).toEqual(['accent']);
    expect(link(lenient, 'self')).toBe(`${BASE}/Patient?family=bret&_format=json`);
  });
});
