import type { Resource } from '@medplum/fhirtypes';
import { bulkLoad } from '../../src/fhir/bulk-load';
import { createConformanceCheck, loadDefaultProfiles } from '../../src/fhir/conformance';
import { withNarrative } from '../../src/fhir/narrative/narrative';
import { FhirRepository } from '../../src/fhir/repository';
import { findMatches } from '../../src/fhir/search/search';
import { indexResource, removeIndexes, storeIndexes } from '../../src/fhir/search/indexer';
import { checkBusinessRules } from '../../src/fhir/validation/business-rules';
import { generateRegion } from '../../src/generate/generate-region';
import type { Database } from '../../src/store/database';
import { ALL_LOOKUPS } from '../../src/store/lookups/lookup-kinds';
import { RELATION_TABLES } from '../../src/store/access-relations';
import { createTestDatabase } from '../support/test-database';
import { validator } from './validation/nl-core-examples';
import { ids, run } from './search/search-support';

/** Every table the write path fills for a resource besides `resource` and `resource_version`. */
const ROW_TABLES = [
  ...ALL_LOOKUPS.map((l) => l.table),
  'resource_compartment',
  'version_compartment',
  'version_reference',
  ...RELATION_TABLES,
];

/** All rows of a database that describe resources, in a stable order, without the moment they were written. */
async function snapshot(db: Database): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ROW_TABLES) {
    const res = await db.pool.query(`SELECT * FROM ${table}`);
    out[table] = res.rows.map((r) => JSON.stringify(r)).sort();
  }
  const versions = await db.pool.query(
    `SELECT resource_type, id, version_id, deleted, method, content FROM resource_version`,
  );
  out.resource_version = versions.rows.map((r) => JSON.stringify(withoutTime(r))).sort();
  const current = await db.pool.query(`SELECT resource_type, id, version_id, deleted, content FROM resource`);
  out.resource = current.rows.map((r) => JSON.stringify(withoutTime(r))).sort();
  return out;
}

function withoutTime(row: { content: Resource }) {
  const { lastUpdated: _ignored, ...meta } = row.content.meta ?? {};
  return { ...row, content: { ...row.content, meta } };
}

describe('bulk load of a generated region', () => {
  let viaApi: Database;
  let viaBulk: Database;
  let region: Resource[];

  beforeAll(async () => {
    [viaApi, viaBulk] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    region = [...generateRegion({ patients: 12, seed: 3 })];
    const conformance = createConformanceCheck(await validator(), checkBusinessRules, loadDefaultProfiles());
    const repository = new FhirRepository({
      db: viaApi,
      index: { indexResource, storeIndexes, removeIndexes, findMatches },
      conformance,
      narrative: withNarrative,
    });
    const ctx = { requestId: 'bulk-load-test', baseUrl: 'http://localhost:8080/fhir' };
    for (const r of region) await repository.create(ctx, r, { assignedId: r.id });
    // Small batches, so that several statements and transactions are involved.
    await bulkLoad(viaBulk, region, { batch: 17, conformance });
  }, 120_000);
  afterAll(() => Promise.all([viaApi.close(), viaBulk.close()]));

  it('stores the same resource, version, index, compartment and version rows as the API write path', async () => {
    const [api, bulk] = await Promise.all([snapshot(viaApi), snapshot(viaBulk)]);
    expect(api.resource).toHaveLength(region.length);
    expect(api.search_token.length).toBeGreaterThan(region.length);
    expect(api.version_compartment.length).toBeGreaterThan(0);
    // Who may see which patient comes from the same step: a bulk-loaded region is visible to its GPs and teams.
    expect(api.care_relation.length).toBeGreaterThan(0);
    expect(bulk).toEqual(api);
  });

  it('stamps meta.versionId 1 and meta.lastUpdated as the last_updated that _lastUpdated searches', async () => {
    const res = await viaBulk.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM resource
       WHERE content->'meta'->>'versionId' = '1' AND (content->'meta'->>'lastUpdated')::timestamptz = last_updated`,
    );
    expect(res.rows[0].n).toBe(region.length);
  });

  // The BSN of the first generated patient: the first test BSN counting down from 999999999.
  const BSN = 'http://fhir.nl/fhir/NamingSystem/bsn|999999990';
  it.each([
    ['Patient', `identifier=${BSN}`],
    ['CarePlan', `patient.identifier=${BSN}&_include=CarePlan:goal&_include=CarePlan:subject`],
    ['EpisodeOfCare', 'status=active&_include=EpisodeOfCare:patient&_count=50'],
    ['Task', 'status=rejected&_include=Task:focus'],
    ['Condition', 'category=https://meso-zorg.nl/fhir/CodeSystem/problem-domain|psychisch'],
    ['Patient', 'address-postalcode:contains=94&_sort=birthdate'],
  ])('finds the same %s for %s through the real search code', async (type, query) => {
    const [api, bulk] = await Promise.all([run(viaApi, type, query), run(viaBulk, type, query)]);
    expect(ids(api).length).toBeGreaterThan(0);
    expect(ids(bulk)).toEqual(ids(api));
    expect(ids(bulk, 'include')).toEqual(ids(api, 'include'));
  });

  it('refuses a second load of the same resources as a whole, leaving nothing half written', async () => {
    const before = await snapshot(viaBulk);
    await expect(bulkLoad(viaBulk, region.slice(0, 5), { batch: 100 })).rejects.toThrow(/duplicate key/);
    expect(await snapshot(viaBulk)).toEqual(before);
  });
});
