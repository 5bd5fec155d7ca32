import type { AuditEvent } from '@medplum/fhirtypes';
import type { Database } from '../../src/store/database';
import type { AuditEntry, RequestContext } from '../../src/kernel/request-context';
import { AuditTrail, verifyAuditChain } from '../../src/security/audit-trail';
import { BSN_SYSTEM, CLIENT_ID_SYSTEM, PREVIOUS_HASH_URL } from '../../src/security/audit-event';
import { URA_SYSTEM } from '../../src/security/access-policy';
import { caller, freshDatabase, put } from './security-test-support';

const gp = {
  ...caller('gp', { ura: '90000011', name: 'Huisartsenpraktijk De Brink' }),
  clientId: 'demo-gp-de-brink',
};
const gpWithUser = {
  ...gp,
  user: {
    id: '900012345',
    system: 'http://fhir.nl/fhir/NamingSystem/uzi-nr-pers',
    name: 'J. Wierenga',
    role: '01.015',
  },
};
const ctx: RequestContext = { requestId: 'req-1', baseUrl: 'http://x/fhir', caller: gpWithUser };

async function latest(db: Database): Promise<AuditEvent> {
  const res = await db.pool.query<{ content: AuditEvent }>(
    `SELECT r.content FROM audit_chain ac JOIN resource r ON r.resource_type = 'AuditEvent' AND r.id = ac.audit_id
     ORDER BY ac.seq DESC LIMIT 1`,
  );
  return res.rows[0].content;
}

const read = (entities: string[], extra: Partial<AuditEntry> = {}): AuditEntry => ({
  action: 'R',
  interaction: 'read',
  outcome: 'success',
  caller: gpWithUser,
  entities,
  ...extra,
});

describe('AuditTrail: NEN 7513 fields', () => {
  let db: Database;
  let audit: AuditTrail;
  beforeAll(async () => {
    db = await freshDatabase();
    audit = new AuditTrail(db, { serviceId: 'meso-fhir-test' });
    await put(db.pool, {
      resourceType: 'Patient',
      id: 'p1',
      identifier: [{ system: BSN_SYSTEM, value: '999911120' }],
    });
    await put(db.pool, {
      resourceType: 'CarePlan',
      id: 'cp1',
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/p1' },
    });
  });
  afterAll(() => db.close());

  it('records a read: what, when, who, for which organisation, about which client', async () => {
    await audit.record(db.pool, ctx, read(['CarePlan/cp1/_history/1']));
    const event = await latest(db);
    expect(event.type).toEqual({
      system: 'http://dicom.nema.org/resources/ontology/DCM',
      code: '110110',
      display: 'Patient Record',
    });
    expect(event.subtype).toEqual([{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }]);
    expect(event.action).toBe('R');
    expect(event.outcome).toBe('0');
    expect(Date.parse(event.recorded)).toBeGreaterThan(Date.now() - 60_000);
    const [user, client, org] = event.agent;
    expect(user).toMatchObject({
      requestor: true,
      who: { identifier: { value: '900012345' }, display: 'J. Wierenga' },
    });
    expect(user.role?.[0].coding?.[0]).toEqual({
      system: 'http://fhir.nl/fhir/NamingSystem/uzi-rolcode',
      code: '01.015',
    });
    expect(client).toMatchObject({
      requestor: false,
      who: { identifier: { system: CLIENT_ID_SYSTEM, value: 'demo-gp-de-brink' } },
    });
    expect(org).toMatchObject({
      requestor: false,
      who: { identifier: { system: URA_SYSTEM, value: '90000011' }, display: 'Huisartsenpraktijk De Brink' },
    });
    const patient = event.entity?.find((e) => e.role?.code === '1');
    expect(patient?.what).toEqual({
      reference: 'Patient/p1',
      identifier: { system: BSN_SYSTEM, value: '999911120' },
    });
    expect(event.entity?.some((e) => e.what?.reference === 'CarePlan/cp1/_history/1')).toBe(true);
    expect(
      event.entity?.some((e) => e.type?.code === 'XrequestId' && e.what?.identifier?.value === 'req-1'),
    ).toBe(true);
    expect(event.source.observer.identifier?.value).toBe('meso-fhir-test');
  });

  it('records the query of a search, base64-encoded, and the system as requestor without a user', async () => {
    const query = 'CarePlan?patient.identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911120';
    await audit.record(
      db.pool,
      { ...ctx, caller: gp },
      { ...read(['CarePlan/cp1']), caller: gp, action: 'E', interaction: 'search-type', query },
    );
    const event = await latest(db);
    expect(event.subtype?.[0].code).toBe('search-type');
    expect(event.agent.filter((a) => a.requestor)).toHaveLength(1);
    expect(event.agent[0].who?.identifier?.value).toBe('demo-gp-de-brink');
    const q = event.entity?.find((e) => e.role?.code === '24');
    expect(Buffer.from(q?.query as string, 'base64').toString('utf8')).toBe(query);
  });

  it('records an authentication failure (DCM 110114, outcome 4) with the network address', async () => {
    await audit.record(
      db.pool,
      { requestId: 'r', baseUrl: 'x' },
      {
        action: 'E',
        interaction: 'auth-failure',
        outcome: 'failure',
        entities: [],
        description: 'no access token',
      },
      '10.0.0.7',
    );
    const event = await latest(db);
    expect(event.type?.code).toBe('110114');
    expect(event.outcome).toBe('4');
    expect(event.agent[0]).toMatchObject({ requestor: true, network: { address: '10.0.0.7', type: '2' } });
  });

  it('commits with the write it describes: a rolled-back write leaves no audit record', async () => {
    const before = await verifyAuditChain(db.pool);
    await expect(
      db.transaction(async (tx) => {
        await audit.record(tx, ctx, { ...read(['Patient/p1']), action: 'U', interaction: 'update' });
        throw new Error('validation failed');
      }),
    ).rejects.toThrow('validation failed');
    expect(await verifyAuditChain(db.pool)).toEqual(before);
  });

  it('keeps one linear chain under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        audit.record(db.pool, { ...ctx, requestId: `c${i}` }, read(['Patient/p1'])),
      ),
    );
    const result = await verifyAuditChain(db.pool);
    expect(result).toEqual({ ok: true, checked: 23 });
    const event = await latest(db);
    expect(event.extension?.find((e) => e.url === PREVIOUS_HASH_URL)?.valueString).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses UPDATE and DELETE of audit records in the database itself', async () => {
    await expect(
      db.pool.query(`UPDATE resource SET content = '{}' WHERE resource_type = 'AuditEvent'`),
    ).rejects.toThrow(/append-only/);
    await expect(
      db.pool.query(`DELETE FROM resource_version WHERE resource_type = 'AuditEvent'`),
    ).rejects.toThrow(/append-only/);
    await expect(db.pool.query('DELETE FROM audit_chain')).rejects.toThrow(/append-only/);
  });
});

describe('verifyAuditChain: tamper detection', () => {
  let db: Database;
  beforeEach(async () => {
    db = await freshDatabase();
    const audit = new AuditTrail(db, { serviceId: 'test' });
    for (let i = 0; i < 5; i++) await audit.record(db.pool, { ...ctx, requestId: `r${i}` }, read([]));
  });
  afterEach(() => db.close());

  /** What an attacker with database superuser rights could do: bypass the append-only triggers. */
  async function tamper(sql: string): Promise<void> {
    await db.transaction(async (tx) => {
      await tx.query('SET LOCAL session_replication_role = replica');
      await tx.query(sql);
    });
  }

  it('an intact chain verifies', async () => {
    expect(await verifyAuditChain(db.pool)).toEqual({ ok: true, checked: 5 });
  });

  it('finds an altered stored version at the right record', async () => {
    await tamper(`UPDATE resource_version SET content = jsonb_set(content, '{outcome}', '"8"')
                  WHERE id = (SELECT audit_id FROM audit_chain WHERE seq = 3)`);
    expect(await verifyAuditChain(db.pool)).toMatchObject({
      ok: false,
      seq: 3,
      checked: 2,
      reason: expect.stringMatching(/altered/),
    });
  });

  it('finds an altered current copy', async () => {
    await tamper(`UPDATE resource SET content = jsonb_set(content, '{action}', '"C"')
                  WHERE id = (SELECT audit_id FROM audit_chain WHERE seq = 4)`);
    expect(await verifyAuditChain(db.pool)).toMatchObject({
      ok: false,
      seq: 4,
      reason: expect.stringMatching(/current copy/),
    });
  });

  it('finds a deleted record', async () => {
    await tamper(`DELETE FROM resource_version WHERE id = (SELECT audit_id FROM audit_chain WHERE seq = 2)`);
    expect(await verifyAuditChain(db.pool)).toMatchObject({
      ok: false,
      seq: 2,
      reason: expect.stringMatching(/missing/),
    });
  });

  it('finds a removed chain link', async () => {
    await tamper('DELETE FROM audit_chain WHERE seq = 2');
    expect(await verifyAuditChain(db.pool)).toMatchObject({
      ok: false,
      seq: 3,
      reason: expect.stringMatching(/missing/),
    });
  });

  it('finds an AuditEvent slipped in outside the chain', async () => {
    await put(db.pool, {
      resourceType: 'AuditEvent',
      id: 'forged',
      type: { code: '110110' },
      recorded: '2025-01-01T00:00:00Z',
      agent: [],
      source: { observer: {} },
    } as AuditEvent);
    expect(await verifyAuditChain(db.pool)).toMatchObject({
      ok: false,
      auditId: 'forged',
      reason: expect.stringMatching(/not part of the chain/),
    });
  });
});
