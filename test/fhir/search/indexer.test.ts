import type { Patient } from '@medplum/fhirtypes';
import { indexResource } from '../../../src/fhir/search/indexer';
import { findMatches, supportedSearchParams } from '../../../src/fhir/search/search';
import type { Database } from '../../../src/store/database';
import { referenceLookup } from '../../../src/store/lookups/reference';
import { nlCoreExample } from '../../support/fixtures';
import { createTestDatabase } from '../../support/test-database';
import { remove, save, saveIn } from './search-support';

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.close());

const rowCount = async (table: string, id: string) =>
  (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE id = $1`, [id])).rows[0]
    .n;

describe('indexResource', () => {
  it('puts a resource in the compartments of the patients it links to, and a Patient in its own', () => {
    expect(indexResource(nlCoreExample('nl-core-Patient-01')).patientIds).toEqual(['nl-core-Patient-01']);
    const team = indexResource(nlCoreExample('nl-core-CareTeam-01'));
    expect(team.patientIds).toEqual(['nl-core-CareTeam-01-Patient-01']);
    expect(team.rows.get(referenceLookup)).toContainEqual({
      param: 'participant',
      row: expect.objectContaining({
        target_type: 'RelatedPerson',
        target_id: 'nl-core-CareTeam-01-RelatedPerson-01',
      }),
    });
    expect(indexResource(nlCoreExample('nl-core-EpisodeOfCare-01')).patientIds).toEqual([
      'nl-core-Patient-01',
    ]);
  });
});

describe('writeIndexes and removeIndexes', () => {
  it('replaces the rows of the previous version and removes them on delete', async () => {
    const patient = nlCoreExample<Patient>('nl-core-Patient-01');
    await save(db, patient);
    expect(await rowCount('search_string', patient.id as string)).toBeGreaterThan(5);
    await save(db, { resourceType: 'Patient', id: patient.id, name: [{ family: 'Nieuw' }] });
    const rows = await db.pool.query(
      'SELECT param, raw FROM search_string WHERE id = $1 ORDER BY param, raw',
      [patient.id],
    );
    expect(rows.rows.map((r) => `${r.param}=${r.raw}`)).toEqual([
      'family=Nieuw',
      'name=Nieuw',
      'phonetic=Nieuw',
    ]);
    await remove(db, 'Patient', patient.id as string);
    for (const table of ['search_string', 'search_token', 'search_date', 'resource_compartment'])
      expect(await rowCount(table, patient.id as string)).toBe(0);
  });
});

describe('findMatches', () => {
  it('sees uncommitted writes of the caller’s transaction and applies strict parameters', async () => {
    await db.transaction(async (tx) => {
      await saveIn(tx, {
        resourceType: 'Patient',
        id: 'in-tx',
        identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' }],
      });
      const found = await findMatches(
        tx,
        'Patient',
        [['identifier', 'http://fhir.nl/fhir/NamingSystem/bsn|999911120']],
        2,
      );
      expect(found.map((p) => p.id)).toEqual(['in-tx']);
      expect(
        await findMatches(
          db.pool,
          'Patient',
          [['identifier', 'http://fhir.nl/fhir/NamingSystem/bsn|999911120']],
          2,
        ),
      ).toEqual([]);
    });
    await expect(findMatches(db.pool, 'Patient', [['bogus', 'x']], 2)).rejects.toMatchObject({ status: 400 });
  });
});

describe('supportedSearchParams', () => {
  it('lists R4 and project parameters, without composite ones', () => {
    const codes = (type: string) => supportedSearchParams(type).map((p) => p.code);
    expect(codes('Patient')).toEqual(
      expect.arrayContaining([
        '_id',
        '_lastUpdated',
        '_tag',
        '_profile',
        'identifier',
        'family',
        'birthdate',
      ]),
    );
    expect(codes('CarePlan')).toEqual(
      expect.arrayContaining(['episode-of-care', 'next-evaluation', 'patient']),
    );
    expect(codes('Task')).toContain('status-reason');
    expect(codes('Observation')).not.toContain('code-value-quantity');
  });
});
