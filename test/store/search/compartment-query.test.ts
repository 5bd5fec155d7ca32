import type { Database } from '../../../src/store/database';
import type { AccessRestriction } from '../../../src/kernel/access-restriction';
import {
  compartmentPageSql,
  findCompartmentPage,
  findReferenced,
  type CompartmentPageQuery,
} from '../../../src/store/search/compartment-query';
import { createTestDatabase } from '../../support/test-database';

/**
 * Patient/{id}/$everything in the store: one patient's compartment rows joined to their resources, paged on
 * (resource_type, id), narrowed by type, _since and the access restriction; and the professionals they reference.
 * Rows are written directly (2,000 patients with 10 resources each, so the planner sees a realistic table).
 */
let db: Database;
const TYPES = ['Patient', 'CarePlan', 'Condition', 'Goal', 'Observation'];

beforeAll(async () => {
  db = await createTestDatabase();
  // Patient p<n> with CarePlan, Condition, Goal, Observation c<n>-<k>; the even k are a year old.
  await db.pool.query(`
    INSERT INTO resource (resource_type, id, version_id, last_updated, deleted, content)
    SELECT t.type, CASE WHEN t.type = 'Patient' THEN 'p' || n ELSE 'c' || n || '-' || k END, 1,
      now() - CASE WHEN k % 2 = 0 THEN interval '1 year' ELSE interval '0' END, false,
      jsonb_build_object('resourceType', t.type,
        'id', CASE WHEN t.type = 'Patient' THEN 'p' || n ELSE 'c' || n || '-' || k END)
    FROM generate_series(1, 2000) n, generate_series(1, 3) k,
      (VALUES ('CarePlan'), ('Condition'), ('Goal'), ('Patient')) t(type)
    WHERE t.type <> 'Patient' OR k = 1`);
  await db.pool.query(`
    INSERT INTO resource_compartment (resource_type, id, patient_id)
    SELECT resource_type, id, CASE WHEN resource_type = 'Patient' THEN id ELSE 'p' || split_part(substr(id, 2), '-', 1) END
    FROM resource`);
  await db.pool.query(`
    INSERT INTO resource (resource_type, id, version_id, last_updated, deleted, content) VALUES
      ('Organization', 'o1', 1, now(), false, '{"resourceType":"Organization","id":"o1"}'),
      ('Practitioner', 'pr1', 1, now(), false, '{"resourceType":"Practitioner","id":"pr1"}'),
      ('Practitioner', 'gone', 1, now(), true, null)`);
  await db.pool.query(`
    INSERT INTO search_reference (resource_type, id, param, ref, target_type, target_id) VALUES
      ('CarePlan', 'c1-1', 'author', 'Organization/o1', 'Organization', 'o1'),
      ('CarePlan', 'c1-1', 'performer', 'Practitioner/pr1', 'Practitioner', 'pr1'),
      ('CarePlan', 'c1-2', 'performer', 'Practitioner/pr1', 'Practitioner', 'pr1'),
      ('CarePlan', 'c1-3', 'performer', 'Practitioner/gone', 'Practitioner', 'gone'),
      ('Condition', 'c1-1', 'subject', 'Patient/p1', 'Patient', 'p1')`);
  await db.pool.query('ANALYZE');
});
afterAll(() => db.close());

const refs = (resources: ReadonlyArray<{ resourceType: string; id?: string }>) =>
  resources.map((r) => `${r.resourceType}/${r.id}`);

const page = (query: Partial<CompartmentPageQuery>) =>
  findCompartmentPage(db.pool, { patientId: 'p1', types: TYPES, count: 100, ...query });

describe('findCompartmentPage', () => {
  it('gives the patient and its compartment, no one else’s, in (type, id) order', async () => {
    const result = await page({});
    expect(refs(result.resources)).toEqual([
      'CarePlan/c1-1',
      'CarePlan/c1-2',
      'CarePlan/c1-3',
      'Condition/c1-1',
      'Condition/c1-2',
      'Condition/c1-3',
      'Goal/c1-1',
      'Goal/c1-2',
      'Goal/c1-3',
      'Patient/p1',
    ]);
    expect(result.next).toBeUndefined();
  });

  it('pages with a keyset on (type, id): the pages together are the whole, once each', async () => {
    const whole = refs((await page({})).resources);
    const seen: string[] = [];
    let after: [string, string] | undefined;
    let pages = 0;
    do {
      const result = await page({ count: 3, after });
      expect(result.resources.length).toBeLessThanOrEqual(3);
      seen.push(...refs(result.resources));
      after = result.next;
      pages++;
    } while (after && pages < 10);
    expect(pages).toBe(4);
    expect(seen).toEqual(whole);
  });

  it('narrows by type and by last update', async () => {
    expect(refs((await page({ types: ['Goal'] })).resources)).toEqual([
      'Goal/c1-1',
      'Goal/c1-2',
      'Goal/c1-3',
    ]);
    const since = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
    expect(refs((await page({ types: ['CarePlan', 'Patient'], since })).resources)).toEqual([
      'CarePlan/c1-1',
      'CarePlan/c1-3',
      'Patient/p1',
    ]);
  });

  it('applies the access restriction in the query: what it hides never comes back', async () => {
    const access: AccessRestriction = {
      openTypes: ['Goal'],
      references: [{ resourceType: 'Condition', params: ['subject'], targets: ['Patient/p1'] }],
      hiddenTypes: ['Goal'],
    };
    expect(refs((await page({ access })).resources)).toEqual(['Condition/c1-1']);
  });
});

describe('findReferenced', () => {
  it('gives each current professional the resources reference, once, of the asked types', async () => {
    const from = [
      { resourceType: 'CarePlan', id: 'c1-1' },
      { resourceType: 'CarePlan', id: 'c1-2' },
      { resourceType: 'CarePlan', id: 'c1-3' },
    ];
    const all = await findReferenced(db.pool, from, ['Practitioner', 'Organization'], {});
    expect(refs(all)).toEqual(['Organization/o1', 'Practitioner/pr1']);
    expect(refs(await findReferenced(db.pool, from, ['Organization'], {}))).toEqual(['Organization/o1']);
    const hidden: AccessRestriction = { openTypes: ['Practitioner'], references: [] };
    expect(
      refs(await findReferenced(db.pool, from, ['Practitioner', 'Organization'], { access: hidden })),
    ).toEqual(['Practitioner/pr1']);
  });
});

describe('compartment page query plan', () => {
  it('walks the compartment index for one patient, with the relation semi-join, never a table scan', async () => {
    const { text, values } = compartmentPageSql({
      patientId: 'p1',
      types: TYPES,
      since: '2025-01-01T00:00:00Z',
      count: 50,
      after: ['CarePlan', 'c1-1'],
      access: {
        openTypes: ['Organization'],
        relation: { parties: ['ref:o1', 'any'], reasons: ['care-team'], denyParties: ['ref:o1', 'any'] },
        references: [{ resourceType: 'Task', params: ['owner'], targets: ['Organization/o1'] }],
        hiddenTypes: ['AuditEvent'],
      },
    });
    // With the planner's own costs on 26,000 rows: the patient's rows come from the compartment index.
    const plan = await db.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values);
    const lines = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(lines).toMatch(/resource_compartment_patient|resource_compartment_pkey/);
    expect(lines).not.toMatch(/Seq Scan on resource\b|Seq Scan on resource_compartment/);
  });
});
