import fs from 'node:fs';
import type { Bundle, Consent, Resource } from '@medplum/fhirtypes';
import { projectPath } from '../../src/project-root';
import { loadDemoClients } from '../../src/security/client-registry';
import { callerFrom } from '../../src/security/access-token';
import type { Database } from '../../src/store/database';
import type { RequestContext, WriteChange } from '../../src/kernel/request-context';
import { FhirError } from '../../src/kernel/outcome';
import type { OrganizationKind } from '../../src/kernel/caller';
import { AccessPolicy, URA_SYSTEM } from '../../src/security/access-policy';
import { ORGANIZATION_KIND_SYSTEM } from '../../src/fhir/access/patient-objection';
import { caller, freshDatabase, patientsOf, put } from './security-test-support';
import { removeIndexes } from '../../src/fhir/search/indexer';
import { accessSql } from '../../src/store/search/access-sql';
import { SqlParams } from '../../src/store/lookups/lookup';

const ref = (reference: string) => ({ reference });
const ura = (value: string) => ({ identifier: { system: URA_SYSTEM, value } });

// The parties, as in examples/demo-data.json: the GP practice, the MESO team, a VVT, the behandelnetwerk, the
// Coördinatiepunt ELV, and a stranger GP.
const callers = {
  gp: caller('gp', { ura: '90000011' }),
  vvt: caller('vvt', { ura: '90000033' }),
  'meso-team': caller('meso-team', { ura: '90000022' }),
  behandelnetwerk: caller('behandelnetwerk', { ura: '90000044' }),
  ctv: caller('ctv', { ura: '90000055' }),
  platform: caller('platform', {}, 'system/*.rs'),
  admin: caller('admin'),
};
const KINDS = Object.keys(callers) as OrganizationKind[];

let db: Database;
const policy = new AccessPolicy({ partyCacheMs: 0 });
const r: Record<string, Resource> = {};

const privacyScope = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
};
function objection(
  patient: string,
  actor: NonNullable<Consent['provision']>['actor'],
  status: Consent['status'] = 'active',
): Consent {
  return {
    resourceType: 'Consent',
    status,
    scope: privacyScope,
    category: [{ text: 'bezwaar' }],
    patient: ref(patient),
    provision: { type: 'deny', actor },
  };
}
const kindActor = (code: string) => [
  { role: { coding: [{ system: ORGANIZATION_KIND_SYSTEM, code }] }, reference: { display: `alle ${code}` } },
];

beforeAll(async () => {
  db = await freshDatabase();
  const q = db.pool;
  const org = (id: string, value: string) =>
    put(q, { resourceType: 'Organization', id, identifier: [{ system: URA_SYSTEM, value }], name: id });
  r.gpOrg = await org('gp-org', '90000011');
  r.mesoOrg = await org('meso-org', '90000022');
  r.vvtOrg = await org('vvt-org', '90000033');
  r.bnOrg = await org('bn-org', '90000044');
  r.ctvOrg = await org('ctv-org', '90000055');
  r.otherGp = await org('other-gp', '90000099');
  r.huisarts = await put(q, { resourceType: 'Practitioner', id: 'huisarts' });
  r.gpRole = await put(q, {
    resourceType: 'PractitionerRole',
    id: 'gp-role',
    organization: ref('Organization/gp-org'),
    practitioner: ref('Practitioner/huisarts'),
  });
  r.vvtRole = await put(q, {
    resourceType: 'PractitionerRole',
    id: 'vvt-role',
    organization: ref('Organization/vvt-org'),
  });
  r.soRole = await put(q, { resourceType: 'PractitionerRole', id: 'so-role', organization: ura('90000022') });
  r.soArts = await put(q, { resourceType: 'Practitioner', id: 'so-arts' });
  // A versioned reference to the practitioner: the reference index resolves it like any other.
  r.soArtsRole = await put(q, {
    resourceType: 'PractitionerRole',
    id: 'so-arts-role',
    organization: ref('Organization/meso-org'),
    practitioner: ref('Practitioner/so-arts/_history/1'),
  });

  // p1: the shared MESO patient. p2: only the GP's. p3: a stranger's. p4: referred by the VVT to MESO, no episode yet.
  r.p1 = await put(q, {
    resourceType: 'Patient',
    id: 'p1',
    generalPractitioner: [ref('PractitionerRole/gp-role')],
  });
  r.p2 = await put(q, {
    resourceType: 'Patient',
    id: 'p2',
    generalPractitioner: [ref('Organization/gp-org')],
  });
  r.p3 = await put(q, {
    resourceType: 'Patient',
    id: 'p3',
    generalPractitioner: [ref('Organization/other-gp')],
  });
  r.p4 = await put(q, { resourceType: 'Patient', id: 'p4' });
  r.ep1 = await put(q, {
    resourceType: 'EpisodeOfCare',
    id: 'ep1',
    status: 'active',
    patient: ref('Patient/p1'),
    managingOrganization: ref('Organization/meso-org'),
  });
  r.ct1 = await put(q, {
    resourceType: 'CareTeam',
    id: 'ct1',
    status: 'active',
    subject: ref('Patient/p1'),
    participant: [{ member: ref('PractitionerRole/so-role') }, { member: ref('PractitionerRole/vvt-role') }],
  });
  r.cp1 = await put(q, {
    resourceType: 'CarePlan',
    id: 'cp1',
    status: 'active',
    intent: 'plan',
    subject: ref('Patient/p1'),
  });
  // A versioned subject: in p1's compartment for search (the stored rows), so for read as well (issue 8 §7).
  r.cpVersioned = await put(q, {
    resourceType: 'CarePlan',
    id: 'cp-versioned',
    status: 'active',
    intent: 'plan',
    subject: ref('Patient/p1/_history/3'),
  });
  r.c1 = await put(q, { resourceType: 'Condition', id: 'c1', subject: ref('Patient/p1') });
  r.o1 = await put(q, {
    resourceType: 'Observation',
    id: 'o1',
    status: 'final',
    code: { text: 'Barthel' },
    subject: ref('Patient/p1'),
  });
  r.adr1 = await put(q, {
    resourceType: 'Consent',
    id: 'adr1',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'adr' }] },
    category: [{ text: 'wilsverklaring' }],
    patient: ref('Patient/p1'),
    provision: { type: 'deny' },
  });
  r.t1 = await put(q, {
    resourceType: 'Task',
    id: 't1',
    status: 'requested',
    intent: 'order',
    for: ref('Patient/p1'),
    requester: ref('PractitionerRole/vvt-role'),
    owner: ref('Organization/meso-org'),
  });
  r.tGp = await put(q, {
    resourceType: 'Task',
    id: 't-gp',
    status: 'requested',
    intent: 'order',
    for: ref('Patient/p1'),
    requester: ref('PractitionerRole/gp-role'),
    owner: ref('Organization/meso-org'),
  });
  r.c2 = await put(q, { resourceType: 'Condition', id: 'c2', subject: ref('Patient/p2') });
  r.c3 = await put(q, { resourceType: 'Condition', id: 'c3', subject: ref('Patient/p3') });
  // The owner named by URA only: the policy matches identifiers as well as references.
  r.t4 = await put(q, {
    resourceType: 'Task',
    id: 't4',
    status: 'requested',
    intent: 'order',
    for: ref('Patient/p4'),
    requester: ref('PractitionerRole/vvt-role'),
    owner: ura('90000022'),
  });
  r.sr4 = await put(q, {
    resourceType: 'ServiceRequest',
    id: 'sr4',
    status: 'active',
    intent: 'order',
    subject: ref('Patient/p4'),
    requester: ref('PractitionerRole/vvt-role'),
  });
  r.o4 = await put(q, {
    resourceType: 'Observation',
    id: 'o4',
    status: 'final',
    code: { text: 'x' },
    subject: ref('Patient/p4'),
  });
  // t5: the MESO team escalates p1 to the behandelnetwerk. t6: the VVT asks the CTV for an ELV bed for p4.
  r.t5 = await put(q, {
    resourceType: 'Task',
    id: 't5',
    status: 'requested',
    intent: 'order',
    for: ref('Patient/p1'),
    requester: ref('PractitionerRole/so-arts-role'),
    owner: ref('Organization/bn-org'),
  });
  r.t6 = await put(q, {
    resourceType: 'Task',
    id: 't6',
    status: 'requested',
    intent: 'order',
    for: ref('Patient/p4'),
    requester: ref('PractitionerRole/vvt-role'),
    owner: ura('90000055'),
  });
  r.ae1 = await put(q, {
    resourceType: 'AuditEvent',
    id: 'ae1',
    type: { code: '110110' },
    recorded: '2025-01-01T00:00:00Z',
    agent: [],
    source: { observer: {} },
    entity: [{ what: ref('Patient/p1') }],
  });
});
afterAll(() => db.close());

const ctx = (kind: OrganizationKind): RequestContext => ({
  requestId: 't',
  baseUrl: 'http://x/fhir',
  caller: callers[kind],
});
const canRead = (kind: OrganizationKind, key: string) => policy.canRead(db.pool, ctx(kind), r[key]);

async function writeOutcome(kind: OrganizationKind, change: WriteChange): Promise<'allowed' | 'denied'> {
  try {
    await policy.checkWrite(db.pool, ctx(kind), change);
    return 'allowed';
  } catch (err) {
    if (err instanceof FhirError && err.status === 403) return 'denied';
    throw err;
  }
}

// ✓ = visible, · = hidden. Columns: gp, vvt, meso-team, behandelnetwerk, ctv, platform, admin. The CTV sees p4
// (an ELV Task is addressed to it) and nothing of p1; the behandelnetwerk p1 (the escalation t5), not p4. Of p4's
// referrals the CTV sees its own (t6), not the VVT's aanmelding to the MESO team (t4, sr4).
const READ_MATRIX: Array<[string, string]> = [
  ['gpOrg', '✓✓✓✓✓✓✓'],
  ['gpRole', '✓✓✓✓✓✓✓'],
  ['huisarts', '✓✓✓✓✓✓✓'],
  ['p1', '✓✓✓✓·✓✓'],
  ['p2', '✓·····✓'],
  ['p3', '······✓'],
  // The VVT referred p4 (t4's requester): it reads back the Patient, not the rest of the record (o4).
  ['p4', '·✓✓·✓✓✓'],
  ['ep1', '✓✓✓✓·✓✓'],
  ['ct1', '✓✓✓✓·✓✓'],
  ['cp1', '✓✓✓✓··✓'],
  ['cpVersioned', '✓✓✓✓··✓'],
  ['c1', '✓✓✓✓··✓'],
  ['o1', '✓✓✓✓··✓'],
  ['adr1', '✓✓✓✓··✓'],
  ['c2', '✓·····✓'],
  ['c3', '······✓'],
  ['t1', '✓✓✓✓·✓✓'],
  ['t4', '·✓✓··✓✓'],
  ['sr4', '·✓✓··✓✓'],
  ['o4', '··✓·✓·✓'],
  ['t5', '✓✓✓✓·✓✓'],
  ['t6', '·✓✓·✓✓✓'],
  ['ae1', '······✓'],
];

describe('read matrix: organisation kind × resource', () => {
  it.each(READ_MATRIX)('%s: %s', async (key, expected) => {
    const actual = await Promise.all(KINDS.map(async (kind) => ((await canRead(kind, key)) ? '✓' : '·')));
    expect(actual.join('')).toBe(expected);
  });

  it('refuses a type the kind may never see outright (403), not with an empty result', () => {
    for (const type of ['CarePlan', 'Consent', 'Goal', 'Encounter'])
      expect(() => policy.checkScope(callers.ctv, type, 's')).toThrow(/"ctv" have no access to/);
    for (const type of ['Task', 'ServiceRequest', 'Observation', 'Condition', 'Organization', 'Subscription'])
      expect(() => policy.checkScope(callers.ctv, type, 'r')).not.toThrow();
    expect(() => policy.checkScope(callers.behandelnetwerk, 'CarePlan', 'r')).not.toThrow();
  });

  it('hands the search engine the same rules as data', async () => {
    const vvt = await policy.restrictionFor(db.pool, callers.vvt);
    expect(await patientsOf(db.pool, vvt)).toEqual(['p1']);
    expect(vvt?.openTypes).toEqual(['Organization', 'Practitioner', 'PractitionerRole']);
    expect(vvt?.hiddenTypes).toEqual(expect.arrayContaining(['AuditEvent', 'Group']));
    // Subscriptions are not hidden: each client sees its own (the subscription table's client_id).
    expect(vvt?.hiddenTypes).not.toContain('Subscription');
    expect(vvt?.subscriber).toBe(callers.vvt.clientId);
    expect(vvt?.references).toContainEqual({
      resourceType: 'Task',
      params: ['requester', 'owner'],
      targets: expect.arrayContaining(['Organization/vvt-org', 'PractitionerRole/vvt-role']),
    });
    expect(await patientsOf(db.pool, await policy.restrictionFor(db.pool, callers.gp))).toEqual(['p1', 'p2']);
    expect(await patientsOf(db.pool, await policy.restrictionFor(db.pool, callers['meso-team']))).toEqual([
      'p1',
      'p4',
    ]);
    const bn = await policy.restrictionFor(db.pool, callers.behandelnetwerk);
    expect(await patientsOf(db.pool, bn)).toEqual(['p1']);
    const ctv = await policy.restrictionFor(db.pool, callers.ctv);
    expect(await patientsOf(db.pool, ctv)).toEqual(['p4']);
    expect(ctv?.hiddenTypes).toEqual(
      expect.arrayContaining(['CarePlan', 'Goal', 'Consent', 'RelatedPerson', 'Encounter', 'Provenance']),
    );
    expect(ctv?.hiddenTypes).not.toContain('Observation');
    const platform = await policy.restrictionFor(db.pool, callers.platform);
    expect(platform?.hiddenTypes).toEqual(
      expect.arrayContaining(['CarePlan', 'Condition', 'Goal', 'Observation', 'Consent', 'AuditEvent']),
    );
    expect(await policy.restrictionFor(db.pool, callers.admin)).toBeUndefined();
  });
});

// The CTV's need to know (POLICY.ctv.ownReferralsOnly): of its patient's referrals only those it takes part in.
describe('the CTV sees only the referrals it takes part in', () => {
  const added = ['t-elv', 'sr-elv', 't-esc', 'sr-esc', 'sr-ura', 't-ctv-asks', 'sr-elv-v', 't-ctv-gone'];
  beforeAll(async () => {
    const q = db.pool;
    // The MESO team asks the CTV for a bed for p4 (an ELV request; the SR names no performer, the Task's focus).
    r.srElv = await put(q, {
      resourceType: 'ServiceRequest',
      id: 'sr-elv',
      status: 'active',
      intent: 'order',
      subject: ref('Patient/p4'),
      requester: ref('PractitionerRole/so-arts-role'),
    });
    r.tElv = await put(q, {
      resourceType: 'Task',
      id: 't-elv',
      status: 'requested',
      intent: 'order',
      for: ref('Patient/p4'),
      focus: ref('ServiceRequest/sr-elv'),
      requester: ref('PractitionerRole/so-arts-role'),
      owner: ref('Organization/ctv-org'),
    });
    // …and escalates p4 to the behandelnetwerk (by URA), which then sees all of p4's referrals.
    r.srEsc = await put(q, {
      resourceType: 'ServiceRequest',
      id: 'sr-esc',
      status: 'active',
      intent: 'order',
      subject: ref('Patient/p4'),
      requester: ref('PractitionerRole/so-arts-role'),
      performer: [ura('90000044')],
    });
    r.tEsc = await put(q, {
      resourceType: 'Task',
      id: 't-esc',
      status: 'requested',
      intent: 'order',
      for: ref('Patient/p4'),
      focus: ref('ServiceRequest/sr-esc'),
      requester: ref('PractitionerRole/so-arts-role'),
      owner: ura('90000044'),
    });
    // A request naming the CTV as performer by URA alone, and one the CTV itself sent on (requester).
    r.srUra = await put(q, {
      resourceType: 'ServiceRequest',
      id: 'sr-ura',
      status: 'active',
      intent: 'order',
      subject: ref('Patient/p4'),
      requester: ref('PractitionerRole/vvt-role'),
      performer: [ura('90000055')],
    });
    r.tCtvAsks = await put(q, {
      resourceType: 'Task',
      id: 't-ctv-asks',
      status: 'requested',
      intent: 'order',
      for: ref('Patient/p4'),
      requester: ref('Organization/ctv-org'),
      owner: ref('Organization/vvt-org'),
    });
    // A versioned focus reference: the reference index drops the version, so it counts like any other.
    r.srElvV = await put(q, { ...(r.srElv as Resource), id: 'sr-elv-v' } as Resource);
    await put(q, {
      ...(r.tCtvAsks as Resource),
      focus: ref('ServiceRequest/sr-elv-v/_history/1'),
    } as Resource);
  });
  afterAll(async () => {
    for (const id of added) {
      const type = id.startsWith('t-') ? 'Task' : 'ServiceRequest';
      await db.pool.query(`DELETE FROM resource WHERE resource_type = $1 AND id = $2`, [type, id]);
      await db.pool.query(`DELETE FROM resource_version WHERE resource_type = $1 AND id = $2`, [type, id]);
      await removeIndexes(db.pool, type, id);
    }
  });

  /** What the SQL restriction lets through: search (type known), compartment (type open) and history. */
  async function sqlVisible(kind: OrganizationKind, type: string): Promise<string[][]> {
    const access = await policy.restrictionFor(db.pool, callers[kind]);
    const run = async (from: string, rows: 'current' | 'version', withType: boolean) => {
      const sql = new SqlParams();
      const t = sql.add(type);
      const where = access ? accessSql(sql, access, 'r', rows, withType ? type : undefined) : 'true';
      const res = await db.pool.query<{ id: string }>(
        `SELECT DISTINCT r.id FROM ${from} r WHERE r.resource_type = ${t} AND ${where} ORDER BY 1`,
        sql.values,
      );
      return res.rows.map((x) => x.id);
    };
    return [
      await run('resource', 'current', true),
      await run('resource', 'current', false),
      await run('resource_version', 'version', true),
    ];
  }

  it.each([
    ['Task', ['t-ctv-asks', 't-elv', 't6']],
    ['ServiceRequest', ['sr-elv', 'sr-elv-v', 'sr-ura']],
  ])('%s: the CTV sees its own, in memory and in SQL alike', async (type, own) => {
    const keys = Object.keys(r).filter((k) => r[k].resourceType === type);
    const inMemory = [];
    for (const k of keys) if (await canRead('ctv', k)) inMemory.push(r[k].id as string);
    expect(inMemory.sort()).toEqual(own);
    const [search, open, history] = await sqlVisible('ctv', type);
    expect(search).toEqual(own);
    expect(open).toEqual(own);
    // Each version keeps the identifiers its references name (migration 012): t6 and sr-ura name it by URA.
    expect(history).toEqual(own);
  });

  it('the behandelnetwerk sees all referrals of the patient it joined, the aanmelding included', async () => {
    for (const key of ['t4', 'sr4', 'tElv', 'srElv', 'tEsc', 'srEsc'])
      expect([key, await canRead('behandelnetwerk', key)]).toEqual([key, true]);
    const [tasks] = await sqlVisible('behandelnetwerk', 'Task');
    expect(tasks).toEqual(expect.arrayContaining(['t4', 't-elv', 't-esc', 't6']));
  });

  it('the CTV still sees the rest of the ELV patient it needs (Patient, Observation)', async () => {
    expect(await canRead('ctv', 'p4')).toBe(true);
    expect(await canRead('ctv', 'o4')).toBe(true);
    expect((await sqlVisible('ctv', 'Observation'))[0]).toEqual(['o4']);
  });

  it('a deleted referral that named it by URA alone stays in its history (version rows keep identifiers)', async () => {
    const q = db.pool;
    await put(q, { ...(r.t6 as Resource), id: 't-ctv-gone', meta: undefined } as Resource);
    // A deletion as the repository writes it: a marker version, then the index rows retire onto it.
    await q.query(
      `INSERT INTO resource_version (resource_type, id, version_id, last_updated, deleted, method, content)
       VALUES ('Task', 't-ctv-gone', 2, now(), true, 'DELETE', NULL)`,
    );
    await q.query(
      `UPDATE resource SET version_id = 2, deleted = true WHERE resource_type = 'Task' AND id = 't-ctv-gone'`,
    );
    await removeIndexes(q, 'Task', 't-ctv-gone');
    const rows = await q.query<{ version_id: number }>(
      `SELECT version_id FROM version_reference WHERE resource_type = 'Task' AND id = 't-ctv-gone'
       AND param = 'owner' AND ref IS NULL AND ident_value = '90000055' ORDER BY 1`,
    );
    expect(rows.rows.map((x) => x.version_id)).toEqual([1, 2]);
    expect((await sqlVisible('ctv', 'Task'))[2]).toContain('t-ctv-gone');
  });

  it('hands the search engine the rule as data', async () => {
    const ctv = await policy.restrictionFor(db.pool, callers.ctv);
    expect(ctv?.partyOnlyTypes).toEqual(['Task', 'ServiceRequest']);
    expect(ctv?.referencedBy).toEqual([{ resourceType: 'ServiceRequest', from: 'Task', param: 'focus' }]);
    expect(ctv?.references).toContainEqual(
      expect.objectContaining({
        resourceType: 'Task',
        identifiers: [{ system: URA_SYSTEM, value: '90000055' }],
      }),
    );
    const bn = await policy.restrictionFor(db.pool, callers.behandelnetwerk);
    expect(bn?.partyOnlyTypes).toBeUndefined();
  });
});

const create = (resource: Resource): WriteChange => ({
  interaction: 'create',
  resourceType: resource.resourceType,
  resource,
});
const update = (previous: Resource, changes: Partial<Resource> = {}): WriteChange => ({
  interaction: 'update',
  resourceType: previous.resourceType,
  previous,
  resource: { ...previous, ...changes } as Resource,
});
const remove = (previous: Resource): WriteChange => ({
  interaction: 'delete',
  resourceType: previous.resourceType,
  previous,
});
const referral = (requester: string, patient = 'Patient/p3'): Resource => ({
  resourceType: 'ServiceRequest',
  status: 'active',
  intent: 'order',
  subject: ref(patient),
  requester: ref(requester),
});
const task = (requester: string): Resource => ({
  resourceType: 'Task',
  status: 'requested',
  intent: 'order',
  for: ref('Patient/p3'),
  requester: ref(requester),
  owner: ref('Organization/meso-org'),
});
const carePlan = (patient: string): Resource => ({
  resourceType: 'CarePlan',
  status: 'active',
  intent: 'plan',
  subject: ref(patient),
});

const WRITE_MATRIX: Array<[OrganizationKind, string, 'allowed' | 'denied', () => WriteChange]> = [
  [
    'gp',
    'create a referral ServiceRequest as requester',
    'allowed',
    () => create(referral('PractitionerRole/gp-role')),
  ],
  ['gp', 'create a referral Task as requester', 'allowed', () => create(task('Organization/gp-org'))],
  [
    'gp',
    "create a referral in another's name",
    'denied',
    () => create(referral('PractitionerRole/vvt-role')),
  ],
  ['gp', 'create a Patient (conditional create)', 'allowed', () => create({ resourceType: 'Patient' })],
  ['gp', 'update a Patient', 'denied', () => update(r.p1, { active: true })],
  ['gp', 'create a CarePlan', 'denied', () => create(carePlan('Patient/p1'))],
  [
    'gp',
    'record an objection for its patient',
    'allowed',
    () => create(objection('Patient/p2', kindActor('vvt'))),
  ],
  [
    'gp',
    "record an objection for a stranger's patient",
    'denied',
    () => create(objection('Patient/p3', kindActor('vvt'))),
  ],
  ['gp', 'write an advance directive', 'denied', () => update(r.adr1, { status: 'inactive' })],
  [
    'vvt',
    'create a referral ServiceRequest as requester',
    'allowed',
    () => create(referral('PractitionerRole/vvt-role')),
  ],
  [
    'vvt',
    'create a Patient (conditional create by BSN)',
    'allowed',
    () =>
      create({
        resourceType: 'Patient',
        identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' }],
      }),
  ],
  ['vvt', 'overwrite an existing Patient', 'denied', () => update(r.p1, { active: false })],
  [
    'vvt',
    'update a Task it requested',
    'allowed',
    () => update(r.t1, { status: 'cancelled' } as Partial<Resource>),
  ],
  [
    'vvt',
    'hand a Task it requested to another requester',
    'denied',
    () => update(r.t1, { requester: ref('Organization/other-gp') } as Partial<Resource>),
  ],
  [
    'vvt',
    "update another party's Task",
    'denied',
    () => update(r.tGp, { status: 'cancelled' } as Partial<Resource>),
  ],
  ['vvt', 'record an objection', 'denied', () => create(objection('Patient/p1', kindActor('gp')))],
  ['vvt', 'write a CarePlan', 'denied', () => create(carePlan('Patient/p1'))],
  ['meso-team', 'create a CarePlan for its patient', 'allowed', () => create(carePlan('Patient/p1'))],
  ['meso-team', "create a CarePlan for a stranger's patient", 'denied', () => create(carePlan('Patient/p3'))],
  [
    'meso-team',
    'update a Condition of its patient',
    'allowed',
    () => update(r.c1, { code: { text: 'x' } } as Partial<Resource>),
  ],
  ['meso-team', 'delete an Observation of its patient', 'allowed', () => remove(r.o1)],
  [
    'meso-team',
    'start a zorgtraject it manages',
    'allowed',
    () =>
      create({
        resourceType: 'EpisodeOfCare',
        status: 'active',
        patient: ref('Patient/p3'),
        managingOrganization: ref('Organization/meso-org'),
      }),
  ],
  [
    'meso-team',
    "start a zorgtraject in another's name",
    'denied',
    () =>
      create({
        resourceType: 'EpisodeOfCare',
        status: 'active',
        patient: ref('Patient/p3'),
        managingOrganization: ref('Organization/gp-org'),
      }),
  ],
  [
    'meso-team',
    'accept a Task addressed to it',
    'allowed',
    () => update(r.t4, { status: 'accepted' } as Partial<Resource>),
  ],
  [
    'meso-team',
    'record an objection for its patient',
    'allowed',
    () => create(objection('Patient/p1', kindActor('platform'))),
  ],
  [
    'meso-team',
    'update its own PractitionerRole',
    'allowed',
    () => update(r.soRole, { active: true } as Partial<Resource>),
  ],
  [
    'meso-team',
    'update a Practitioner in one of its roles',
    'allowed',
    () => update(r.soArts, { active: true } as Partial<Resource>),
  ],
  [
    'meso-team',
    "update the GP's Practitioner",
    'denied',
    () => update(r.huisarts, { active: false } as Partial<Resource>),
  ],
  [
    'meso-team',
    "update the GP's PractitionerRole",
    'denied',
    () => update(r.gpRole, { active: false } as Partial<Resource>),
  ],
  [
    'meso-team',
    "update the GP's Organization",
    'denied',
    () => update(r.gpOrg, { name: 'x' } as Partial<Resource>),
  ],
  [
    'platform',
    'create anything',
    'denied',
    () =>
      create({
        resourceType: 'EpisodeOfCare',
        status: 'active',
        patient: ref('Patient/p1'),
        managingOrganization: ref('Organization/meso-org'),
      }),
  ],
  ['platform', 'update a Task', 'denied', () => update(r.t1, { status: 'cancelled' } as Partial<Resource>)],
  [
    'behandelnetwerk',
    'accept an escalation Task addressed to it',
    'allowed',
    () => update(r.t5, { status: 'accepted' } as Partial<Resource>),
  ],
  [
    'behandelnetwerk',
    'record its advice as an Observation of its patient',
    'allowed',
    () =>
      create({
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'advies' },
        subject: ref('Patient/p1'),
      }),
  ],
  [
    'behandelnetwerk',
    'record a diagnosis (Condition) of its patient',
    'allowed',
    () => create({ resourceType: 'Condition', subject: ref('Patient/p1') }),
  ],
  [
    'behandelnetwerk',
    "record a Condition of a stranger's patient",
    'denied',
    () => create({ resourceType: 'Condition', subject: ref('Patient/p3') }),
  ],
  [
    'behandelnetwerk',
    'record the Provenance of its advice',
    'allowed',
    () =>
      create({
        resourceType: 'Provenance',
        target: [ref('Observation/o1')],
        recorded: '2026-12-06T10:00:00Z',
        agent: [{ who: ref('Organization/bn-org') }],
      } as Resource),
  ],
  ['behandelnetwerk', 'write a CarePlan of its patient', 'denied', () => create(carePlan('Patient/p1'))],
  ['behandelnetwerk', 'update a Patient', 'denied', () => update(r.p1, { active: true })],
  [
    'behandelnetwerk',
    'update a Task addressed to the MESO team',
    'denied',
    () => update(r.t1, { status: 'accepted' } as Partial<Resource>),
  ],
  [
    'ctv',
    'accept an ELV Task addressed to it',
    'allowed',
    () => update(r.t6, { status: 'accepted' } as Partial<Resource>),
  ],
  [
    'ctv',
    'hand an ELV Task to another requester',
    'denied',
    () => update(r.t6, { requester: ref('Organization/other-gp') } as Partial<Resource>),
  ],
  [
    'ctv',
    'update a Task addressed to the MESO team',
    'denied',
    () => update(r.t4, { status: 'accepted' } as Partial<Resource>),
  ],
  ['ctv', 'create a referral Task', 'denied', () => create(task('Organization/ctv-org'))],
  [
    'ctv',
    'create an Observation of its patient',
    'denied',
    () =>
      create({
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x' },
        subject: ref('Patient/p4'),
      }),
  ],
  ['ctv', 'create a Patient', 'denied', () => create({ resourceType: 'Patient' })],
  [
    'ctv',
    'create its own Subscription',
    'allowed',
    () =>
      create({
        resourceType: 'Subscription',
        status: 'requested',
        reason: 'x',
        criteria: 'Task?owner=x',
        channel: { type: 'rest-hook' },
      } as Resource),
  ],
  ['admin', 'create a CarePlan for anyone', 'allowed', () => create(carePlan('Patient/p3'))],
  ['admin', 'create an AuditEvent', 'denied', () => create({ resourceType: 'AuditEvent' } as Resource)],
  ['admin', 'delete an AuditEvent', 'denied', () => remove(r.ae1)],
  ['meso-team', 'update an AuditEvent', 'denied', () => update(r.ae1)],
];

describe('write matrix', () => {
  it.each(WRITE_MATRIX)('%s may %s: %s', async (kind, _what, expected, change) => {
    expect(await writeOutcome(kind, change())).toBe(expected);
  });

  it('needs a scope as well as the policy', async () => {
    const readOnlyGp = { ...callers.gp, scopes: [{ resourceType: '*', interactions: 'rs' }] };
    await expect(
      policy.checkWrite(
        db.pool,
        { requestId: 't', baseUrl: 'x', caller: readOnlyGp },
        create(referral('PractitionerRole/gp-role')),
      ),
    ).rejects.toMatchObject({ status: 403 });
  });
});

describe('patient objection (Consent deny)', () => {
  afterEach(async () => {
    // As a delete through the repository does: the resource and its index and care-relation rows go together.
    const gone = await db.pool.query<{ id: string }>(
      `DELETE FROM resource WHERE resource_type = 'Consent' AND id LIKE 'obj-%' RETURNING id`,
    );
    for (const { id } of gone.rows) await removeIndexes(db.pool, 'Consent', id);
  });

  it('a deny for the VVT kind blocks the VVT from the patient, not the GP; withdrawing restores access', async () => {
    const consent = await put(db.pool, { ...objection('Patient/p1', kindActor('vvt')), id: 'obj-vvt' });
    expect(await canRead('vvt', 'cp1')).toBe(false);
    expect(await canRead('vvt', 'p1')).toBe(false);
    expect(await patientsOf(db.pool, await policy.restrictionFor(db.pool, callers.vvt))).toEqual([]);
    expect(await canRead('gp', 'cp1')).toBe(true);
    // Its own referral stays visible through the requester reference.
    expect(await canRead('vvt', 't1')).toBe(true);

    await put(db.pool, { ...consent, status: 'inactive' });
    expect(await canRead('vvt', 'cp1')).toBe(true);
  });

  it('a deny for one organisation by URA blocks that organisation only', async () => {
    await put(db.pool, {
      ...objection('Patient/p1', [{ role: { text: 'ontvanger' }, reference: ura('90000011') }]),
      id: 'obj-gp',
    });
    expect(await canRead('gp', 'c1')).toBe(false);
    expect(await canRead('meso-team', 'c1')).toBe(true);
    expect(await canRead('vvt', 'c1')).toBe(true);
  });

  it('a deny for the CTV kind blocks the CTV from the ELV patient, not the VVT', async () => {
    await put(db.pool, { ...objection('Patient/p4', kindActor('ctv')), id: 'obj-ctv' });
    expect(await canRead('ctv', 'p4')).toBe(false);
    expect(await canRead('ctv', 'o4')).toBe(false);
    expect(await canRead('vvt', 'p4')).toBe(true);
  });

  it('the platform is blocked by a deny for its kind', async () => {
    await put(db.pool, { ...objection('Patient/p1', kindActor('platform')), id: 'obj-platform' });
    expect(await canRead('platform', 'ep1')).toBe(false);
    expect(await canRead('platform', 't1')).toBe(false);
  });

  it('the MESO team can still withdraw an objection that blocks itself', async () => {
    const consent = await put(db.pool, {
      ...objection('Patient/p1', kindActor('meso-team')),
      id: 'obj-meso',
    });
    expect(await canRead('meso-team', 'cp1')).toBe(false);
    expect(
      await writeOutcome('meso-team', update(consent, { status: 'inactive' } as Partial<Resource>)),
    ).toBe('allowed');
    expect(await writeOutcome('meso-team', create(carePlan('Patient/p1')))).toBe('denied');
  });
});

describe('with the demo data (examples/demo-data.json) and the demo clients', () => {
  let demoDb: Database;
  const names = new Map<string, string>();
  beforeAll(async () => {
    demoDb = await freshDatabase();
    const bundle = JSON.parse(fs.readFileSync(projectPath('examples', 'demo-data.json'), 'utf8')) as Bundle;
    // The transaction's urn:uuid references become Type/id, as the server would rewrite them.
    const ids = new Map(
      (bundle.entry ?? []).map((e) => [
        e.fullUrl as string,
        `${e.resource?.resourceType}/${(e.fullUrl as string).slice(9)}`,
      ]),
    );
    const text = JSON.stringify(bundle).replace(
      /"reference":"(urn:uuid:[0-9a-f-]{36})"/g,
      (_m, urn: string) => `"reference":${JSON.stringify(ids.get(urn))}`,
    );
    for (const entry of (JSON.parse(text) as Bundle).entry ?? []) {
      const resource = { ...(entry.resource as Resource), id: (entry.fullUrl as string).slice(9) };
      await put(demoDb.pool, resource);
      if (resource.resourceType === 'Patient')
        names.set(resource.id as string, resource.identifier?.[0]?.value as string);
    }
  });
  afterAll(() => demoDb.close());

  const demoCallers = () =>
    loadDemoClients(projectPath('examples', 'clients')).map((c) =>
      callerFrom(c, { client_id: c.clientId, scope: c.scopes.join(' ') }),
    );
  const bsnsFor = async (kind: OrganizationKind) => {
    const c = demoCallers().find((x) => x.organization.kind === kind)!;
    const restriction = await new AccessPolicy().restrictionFor(demoDb.pool, c);
    return (await patientsOf(demoDb.pool, restriction))?.map((id) => names.get(id)).sort();
  };

  it('the GP practice sees its three patients; the VVT the two whose active care team includes it', async () => {
    expect(await bsnsFor('gp')).toEqual(['999900213', '999901199', '999911120']);
    expect(await bsnsFor('vvt')).toEqual(['999901199', '999911120']);
  });
  it('the MESO team sees the patients of its zorgtrajecten, the platform those with a zorgtraject', async () => {
    expect(await bsnsFor('meso-team')).toEqual(['999900213', '999901199', '999911120']);
    expect(await bsnsFor('platform')).toEqual(['999900213', '999901199', '999911120']);
    expect(await bsnsFor('admin')).toBeUndefined();
  });
  it('the CTV sees the patient of the ELV request addressed to it; the behandelnetwerk none yet', async () => {
    expect(await bsnsFor('ctv')).toEqual(['999911120']);
    expect(await bsnsFor('behandelnetwerk')).toEqual([]);
  });
});
