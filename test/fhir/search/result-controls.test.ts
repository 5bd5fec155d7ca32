import type { CarePlan, Observation, Provenance } from '@medplum/fhirtypes';
import type { Database } from '../../../src/store/database';
import { nlCoreExample } from '../../support/fixtures';
import { createTestDatabase } from '../../support/test-database';
import { ids, link, queryOf, run, save } from './search-support';

let db: Database;

const obs = (id: string, date: string, status: Observation['status'] = 'final'): Observation => ({
  ...nlCoreExample<Observation>('nl-core-BodyWeight-01'),
  id,
  status,
  effectiveDateTime: date,
});

beforeAll(async () => {
  db = await createTestDatabase();
  const provenance: Provenance = {
    resourceType: 'Provenance',
    id: 'prov-1',
    target: [{ reference: 'Observation/o-b' }],
    recorded: '2025-01-01T00:00:00Z',
    agent: [{ who: { reference: 'Organization/nl-core-HealthcareProvider-Organization-01' } }],
  };
  await save(
    db,
    nlCoreExample('nl-core-Patient-01'),
    nlCoreExample('nl-core-HealthcareProvider-Organization-01'),
    obs('o-a', '2025-01-01', 'final'),
    obs('o-b', '2025-02-01', 'preliminary'),
    obs('o-c', '2025-02-01', 'final'),
    obs('o-d', '2024-06-01', 'amended'),
    provenance,
  );
});
afterAll(() => db.close());

describe('_count and _sort', () => {
  it('caps _count at maxCount and allows _count=0', async () => {
    const capped = await run(db, 'Observation', '_count=500', { maxCount: 2 });
    expect(ids(capped)).toHaveLength(2);
    expect(link(capped, 'next')).toBeDefined();
    const none = await run(db, 'Observation', '_count=0');
    expect(none.entry).toBeUndefined();
    expect(none.total).toBe(4);
  });

  it('sorts on several keys, descending with a minus', async () => {
    expect(ids(await run(db, 'Observation', '_sort=-date,_id'))).toEqual(['o-b', 'o-c', 'o-a', 'o-d']);
    expect(ids(await run(db, 'Observation', '_sort=-date,-_id'))).toEqual(['o-c', 'o-b', 'o-a', 'o-d']);
    expect(ids(await run(db, 'Observation', '_sort=status,date'))).toEqual(['o-d', 'o-a', 'o-c', 'o-b']);
  });

  it('rejects sorting on an unknown parameter', async () => {
    await expect(run(db, 'Observation', '_sort=nope')).rejects.toMatchObject({
      status: 400,
      issues: [{ expression: ['_sort'] }],
    });
  });
});

describe('_include and _revinclude', () => {
  it('adds referenced and referencing resources once, as mode include', async () => {
    const bundle = await run(
      db,
      'Observation',
      '_id=o-a,o-b&_include=Observation:subject&_revinclude=Provenance:target',
    );
    expect(ids(bundle)).toEqual(['o-a', 'o-b']);
    expect(ids(bundle, 'include').sort()).toEqual(['nl-core-Patient-01', 'prov-1']);
    expect(bundle.total).toBe(2);
  });

  it('honours the target type and :iterate', async () => {
    const typed = await run(db, 'Observation', '_id=o-a&_include=Observation:subject:Group');
    expect(ids(typed, 'include')).toEqual([]);
    const iterated = await run(
      db,
      'Observation',
      '_id=o-b&_revinclude=Provenance:target&_include:iterate=Provenance:agent',
    );
    expect(ids(iterated, 'include').sort()).toEqual(['nl-core-HealthcareProvider-Organization-01', 'prov-1']);
    const notIterated = await run(
      db,
      'Observation',
      '_id=o-b&_revinclude=Provenance:target&_include=Provenance:agent',
    ).catch((e: unknown) => e);
    expect(notIterated).toMatchObject({ status: 400 });
  });

  it('rejects _include=*', async () => {
    await expect(run(db, 'Observation', '_include=*')).rejects.toMatchObject({
      issues: [{ code: 'not-supported' }],
    });
  });
});

describe('_summary, _total and _elements', () => {
  it('answers _summary=count with the total only', async () => {
    const bundle = await run(db, 'Observation', 'status=final&_summary=count');
    expect(bundle.total).toBe(2);
    expect(bundle.entry).toBeUndefined();
  });

  it('leaves the total out with _total=none and on later pages, and gives it when asked', async () => {
    expect((await run(db, 'Observation', '_total=none')).total).toBeUndefined();
    const first = await run(db, 'Observation', '_count=2');
    expect(first.total).toBe(4);
    const next = link(first, 'next') as string;
    expect((await run(db, 'Observation', queryOf(next))).total).toBeUndefined();
    expect((await run(db, 'Observation', `${queryOf(next)}&_total=accurate`)).total).toBe(4);
    expect((await run(db, 'Observation', '_total=estimate')).total).toBe(4);
  });

  it('keeps only the requested and mandatory elements with _elements and marks the resource SUBSETTED', async () => {
    const [entry] = (await run(db, 'Observation', '_id=o-a&_elements=subject')).entry ?? [];
    const resource = entry.resource as Observation;
    expect(Object.keys(resource).sort()).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'subject']);
    expect(resource.meta?.tag).toContainEqual(expect.objectContaining({ code: 'SUBSETTED' }));
    expect(resource.meta?.versionId).toBe('1');
  });

  it('keeps a choice element by its name and the summary elements with _summary=true', async () => {
    const [entry] = (await run(db, 'Observation', '_id=o-a&_elements=value')).entry ?? [];
    expect((entry.resource as Observation).valueQuantity?.value).toBe(2400);
    const [summary] = (await run(db, 'Observation', '_id=o-a&_summary=true')).entry ?? [];
    expect((summary.resource as Observation).note).toBeUndefined();
    expect((summary.resource as Observation).valueQuantity).toBeDefined();
  });
});

describe('project search parameters (profiles/meso)', () => {
  it('searches CarePlan by zorgtraject and next evaluation date', async () => {
    const plan: CarePlan = {
      resourceType: 'CarePlan',
      id: 'plan-1',
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/nl-core-Patient-01' },
      extension: [
        {
          url: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare',
          valueReference: { reference: 'EpisodeOfCare/eoc-1' },
        },
        {
          url: 'https://meso-zorg.nl/fhir/StructureDefinition/meso-ext-next-evaluation-date',
          valueDate: '2026-12-01',
        },
      ],
    };
    await save(db, plan);
    expect(ids(await run(db, 'CarePlan', 'episode-of-care=EpisodeOfCare/eoc-1'))).toEqual(['plan-1']);
    expect(ids(await run(db, 'CarePlan', 'next-evaluation=le2026-12-31'))).toEqual(['plan-1']);
    expect(ids(await run(db, 'CarePlan', 'next-evaluation=lt2026-11-01'))).toEqual([]);
  });
});
