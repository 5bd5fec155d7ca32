import fc from 'fast-check';
import type {
  CareTeam,
  Consent,
  ConsentProvision,
  ConsentProvisionActor,
  Patient,
  Task,
} from '@medplum/fhirtypes';
import { blocks, ORGANIZATION_KIND_SYSTEM } from '../../../src/fhir/access/patient-objection';
import type { Database } from '../../../src/store/database';
import type { RequestContext } from '../../../src/kernel/request-context';
import { AccessPolicy, URA_SYSTEM } from '../../../src/security/access-policy';
import { RELATION_TYPES } from '../../../src/fhir/access/care-relations';
import { indexResource, removeIndexes } from '../../../src/fhir/search/indexer';
import { rebuildCareRelations } from '../../../src/store/access-relations';
import { tokenLookup } from '../../../src/store/lookups/token';
import { pageSql } from '../../../src/store/search/match-query';
import { caller, freshDatabase, patientsOf, put } from '../../security/security-test-support';

// Care relations are rows written with the resource that causes them (issue 9): these tests change the causing
// resource and check what the caller sees next, through the policy as the service uses it.
const ref = (reference: string) => ({ reference });
const gp = caller('gp', { ura: '90000011' });
const vvt = caller('vvt', { ura: '90000033' });
const meso = caller('meso-team', { ura: '90000022' });
const policy = new AccessPolicy({ partyCacheMs: 0 });
const ctx = (c: typeof gp): RequestContext => ({ requestId: 't', baseUrl: 'x', caller: c });
let db: Database;

const patient = (id: string, gpRef?: string): Patient => ({
  resourceType: 'Patient',
  id,
  identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: `bsn-${id}` }],
  generalPractitioner: gpRef ? [ref(gpRef)] : undefined,
});
const team = (id: string, patientId: string, members: string[]): CareTeam => ({
  resourceType: 'CareTeam',
  id,
  status: 'active',
  subject: ref(`Patient/${patientId}`),
  participant: members.map((m) => ({ member: ref(m) })),
});
const rows = async (table: string, id: string) =>
  (await db.pool.query(`SELECT * FROM ${table} WHERE id = $1 ORDER BY 1, 2`, [id])).rows;
/** A deletion as the repository does it: the resource becomes a marker, then its rows go. */
async function remove(resourceType: string, id: string) {
  await db.pool.query('UPDATE resource SET deleted = true WHERE resource_type = $1 AND id = $2', [
    resourceType,
    id,
  ]);
  await removeIndexes(db.pool, resourceType, id);
}
const sees = async (c: typeof gp) => patientsOf(db.pool, await policy.restrictionFor(db.pool, c));

beforeAll(async () => {
  db = await freshDatabase();
  const org = (id: string, value: string) =>
    put(db.pool, { resourceType: 'Organization', id, identifier: [{ system: URA_SYSTEM, value }] });
  await org('gp-org', '90000011');
  await org('vvt-org', '90000033');
  await org('meso-org', '90000022');
  await put(db.pool, {
    resourceType: 'PractitionerRole',
    id: 'vvt-role',
    organization: ref('Organization/vvt-org'),
  });
  await put(db.pool, patient('a', 'Organization/gp-org'));
  await put(db.pool, patient('b'));
  await put(db.pool, patient('c'));
});
afterAll(() => db.close());

describe('care relation rows', () => {
  it('a CareTeam member removed no longer sees the patient', async () => {
    const ct = await put(db.pool, team('ct-b', 'b', ['PractitionerRole/vvt-role', 'Organization/gp-org']));
    expect(await rows('care_relation', 'ct-b')).toHaveLength(2);
    expect(await sees(vvt)).toEqual(['b']);
    expect(await policy.canRead(db.pool, ctx(vvt), ct)).toBe(true);

    const without = await put(db.pool, { ...ct, participant: [{ member: ref('Organization/gp-org') }] });
    expect(await sees(vvt)).toEqual([]);
    expect(await policy.canRead(db.pool, ctx(vvt), without)).toBe(false);
    expect(await sees(gp)).toEqual(['a', 'b']);

    // An inactive team relates nobody; deleting it removes its rows.
    await put(db.pool, { ...without, status: 'inactive' });
    expect(await rows('care_relation', 'ct-b')).toEqual([]);
    await put(db.pool, without);
    await remove('CareTeam', 'ct-b');
    expect(await rows('care_relation', 'ct-b')).toEqual([]);
    expect(await sees(gp)).toEqual(['a']);
  });

  it('a Task owner sees the patient while it owns the Task', async () => {
    const task: Task = {
      resourceType: 'Task',
      id: 'task-c',
      status: 'requested',
      intent: 'order',
      for: ref('Patient/c'),
      owner: { identifier: { system: URA_SYSTEM, value: '90000022' } },
    };
    await put(db.pool, task);
    expect(await sees(meso)).toEqual(['c']);
    expect(await policy.canRead(db.pool, ctx(meso), task)).toBe(true);
    await put(db.pool, { ...task, owner: ref('Organization/vvt-org') });
    expect(await sees(meso)).toEqual([]);
    expect(await policy.canRead(db.pool, ctx(meso), task)).toBe(false);
    await remove('Task', 'task-c');
  });

  it('a Consent deny is written with the Consent and lifted when it is withdrawn', async () => {
    const consent: Consent = {
      resourceType: 'Consent',
      id: 'deny-a',
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ text: 'bezwaar' }],
      patient: ref('Patient/a'),
      provision: { type: 'deny', actor: [{ role: { text: 'x' }, reference: ref('Organization/gp-org') }] },
    };
    await put(db.pool, consent);
    expect(await rows('care_deny', 'deny-a')).toMatchObject([{ patient_id: 'a', level: 2, deny: true }]);
    expect(await sees(gp)).toEqual([]);
    // A provision whose period has ended no longer applies.
    await put(db.pool, { ...consent, provision: { ...consent.provision, period: { end: '2000-01-01' } } });
    expect(await sees(gp)).toEqual(['a']);
    await put(db.pool, { ...consent, status: 'inactive' });
    expect(await rows('care_deny', 'deny-a')).toEqual([]);
    expect(await sees(gp)).toEqual(['a']);
  });

  it('rebuilds every relation from the stored resources', async () => {
    await put(db.pool, team('ct-c', 'c', ['PractitionerRole/vvt-role']));
    const before = (await db.pool.query('SELECT * FROM care_relation ORDER BY 1, 2, 3, 4, 5')).rows;
    await db.pool.query('DELETE FROM care_relation');
    await db.pool.query(`INSERT INTO store_rebuild (name) VALUES ('care_relation') ON CONFLICT DO NOTHING`);
    const done = await rebuildCareRelations(db, RELATION_TYPES, (r) => indexResource(r).relations, {
      batchSize: 2,
    });
    expect(done).toBeGreaterThan(3);
    expect((await db.pool.query('SELECT * FROM care_relation ORDER BY 1, 2, 3, 4, 5')).rows).toEqual(before);
    // Done once: the flag is gone.
    expect(await rebuildCareRelations(db, RELATION_TYPES, () => undefined)).toBe(0);
  });
});

describe('the GP search query plan', () => {
  it('finds a patient by BSN through the relation index, without a sequential scan', async () => {
    const access = await policy.restrictionFor(db.pool, gp);
    const { text, values } = pageSql(
      {
        resourceType: 'Patient',
        filters: [{ name: 'identifier', param: 'identifier', lookup: tokenLookup, values: ['bsn-a'] }],
        sort: [],
        access,
      },
      { count: 10 },
    );
    expect(values).not.toContain('a'); // no patient ids travel with the query
    const client = await db.pool.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values)).rows
        .map((r) => r['QUERY PLAN'])
        .join('\n');
      expect(plan).not.toMatch(/Seq Scan/);
      expect(plan).toMatch(/Index (Only )?Scan using care_relation_(pkey|party)/);
      expect((await client.query(text, values)).rows).toHaveLength(1);
    } finally {
      await client.query('RESET enable_seqscan');
      client.release();
    }
  });
});

describe('objections in SQL agree with the Mitz rule (patient-objection.ts)', () => {
  // Random provisions (nested, deny/permit, kind/organisation/everyone, periods past, present and future) for one
  // patient: the SQL decision (care_deny rows + care_denied) must be the in-memory sharingDecision.
  const year = 365 * 24 * 3600 * 1000;
  const period = fc.constantFrom(
    undefined,
    { end: new Date(Date.now() - year).toISOString() },
    {
      start: new Date(Date.now() - year).toISOString(),
    },
    { start: new Date(Date.now() + year).toISOString() },
  );
  const actor = fc.constantFrom<ConsentProvisionActor>(
    { role: { coding: [{ system: ORGANIZATION_KIND_SYSTEM, code: 'gp' }] }, reference: { display: 'gp' } },
    { role: { coding: [{ system: ORGANIZATION_KIND_SYSTEM, code: 'vvt' }] }, reference: { display: 'vvt' } },
    { role: { text: 'x' }, reference: ref('Organization/gp-org') },
    { role: { text: 'x' }, reference: { identifier: { system: URA_SYSTEM, value: '90000011' } } },
    { role: { text: 'x' }, reference: ref('Organization/vvt-org') },
  );
  const provision: fc.Memo<ConsentProvision> = fc.memo((depth) =>
    fc.record(
      {
        type: fc.constantFrom<'deny' | 'permit' | undefined>('deny', 'permit', undefined),
        actor: fc.array(actor, { maxLength: 2 }),
        period,
        provision: depth > 1 ? fc.array(provision(depth - 1), { maxLength: 2 }) : fc.constant([]),
      },
      { requiredKeys: ['actor'] },
    ),
  );

  it('decides every combination as sharingDecision does', async () => {
    const party = await policy.partyOf(db.pool, gp);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(provision(3), { minLength: 1, maxLength: 3 }), async (provisions) => {
        run++;
        const consents: Consent[] = provisions.map((p, i) => ({
          resourceType: 'Consent',
          id: `mitz-${run}-${i}`,
          status: 'active',
          scope: {
            coding: [
              { system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' },
            ],
          },
          category: [{ text: 'bezwaar' }],
          patient: ref('Patient/a'),
          provision: p,
        }));
        for (const c of consents) await put(db.pool, c);
        try {
          const expected = blocks(consents, { kind: 'gp', party }) ? [] : ['a'];
          expect((await policy.patientsOf(db.pool, gp, party, ['a'])).allowed).toEqual(expected);
        } finally {
          for (const c of consents) await remove('Consent', c.id as string);
        }
      }),
      { numRuns: 60, seed: 9 },
    );
  });
});
