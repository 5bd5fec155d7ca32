import { createHash } from 'node:crypto';
import type { Database } from '../../src/store/database';
import type { AuditEntry, RequestContext } from '../../src/kernel/request-context';
import { AuditTrail } from '../../src/audit/audit-trail';
import { verifyAuditLog } from '../../src/audit/audit-seal';
import { BSN_SYSTEM, CLIENT_ID_SYSTEM, PREVIOUS_HASH_URL } from '../../src/audit/audit-event';
import { verifyLegacyChain } from '../../src/audit/audit-legacy';
import { canonicalJson } from '../../src/audit/audit-record';
import { URA_SYSTEM } from '../../src/security/access-policy';
import { auditStorageBytes } from '../../src/store/audit-log';
import { caller, freshDatabase } from '../security/security-test-support';
import { auditRowCount, latestEvent as latest, sealAll, seedPatientWithPlan } from './audit-support';

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
    await seedPatientWithPlan(db);
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
    const before = await auditRowCount(db);
    await expect(
      db.transaction(async (tx) => {
        await audit.record(tx, ctx, { ...read(['Patient/p1']), action: 'U', interaction: 'update' });
        throw new Error('validation failed');
      }),
    ).rejects.toThrow('validation failed');
    expect(await auditRowCount(db)).toBe(before);
    await db.transaction((tx) =>
      audit.record(tx, ctx, { ...read(['Patient/p1']), action: 'U', interaction: 'update' }),
    );
    expect(await auditRowCount(db)).toBe(before + 1);
    expect((await latest(db)).action).toBe('U');
  });

  it('keeps one linear chain under concurrent appends, once sealed', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        audit.record(db.pool, { ...ctx, requestId: `c${i}` }, read(['Patient/p1'])),
      ),
    );
    expect(await verifyAuditLog(db.pool)).toEqual({ ok: true, checked: 0, unsealed: 24 });
    expect(await sealAll(db)).toBe(24);
    expect(await verifyAuditLog(db.pool)).toEqual({ ok: true, checked: 24, unsealed: 0 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit records in the database itself', async () => {
    await expect(db.pool.query(`UPDATE audit_log SET outcome = 'success'`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    await expect(db.pool.query('DELETE FROM audit_seal')).rejects.toThrow(/append-only/);
    await expect(db.pool.query('UPDATE audit_seal SET seq = seq + 1')).rejects.toThrow(/append-only/);
  });

  it('stores at most 1 KB per audited read (row, its indexes and its seal)', async () => {
    const before = await auditStorageBytes(db.pool);
    for (let round = 0; round < 10; round++)
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          audit.record(db.pool, { ...ctx, requestId: `b${round}-${i}` }, read(['CarePlan/cp1/_history/1'])),
        ),
      );
    await sealAll(db);
    await db.pool.query('VACUUM audit_log_default, audit_seal');
    const perRead = ((await auditStorageBytes(db.pool)) - before) / 1000;
    expect(perRead).toBeLessThanOrEqual(1024);
  });
});

describe('verifyAuditLog: tamper detection', () => {
  let db: Database;
  beforeEach(async () => {
    db = await freshDatabase();
    const audit = new AuditTrail(db, { serviceId: 'test' });
    for (let i = 0; i < 5; i++) await audit.record(db.pool, { ...ctx, requestId: `r${i}` }, read([]));
    await sealAll(db);
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
    expect(await verifyAuditLog(db.pool)).toEqual({ ok: true, checked: 5, unsealed: 0 });
  });

  const idAt = (seq: number) => `(SELECT audit_id FROM audit_seal WHERE seq = ${seq})`;

  it('finds an altered record at the right place', async () => {
    await tamper(`UPDATE audit_log SET outcome = 'failure' WHERE id = ${idAt(3)}`);
    expect(await verifyAuditLog(db.pool)).toMatchObject({
      ok: false,
      seq: 3,
      checked: 2,
      reason: expect.stringMatching(/altered/),
    });
  });

  it('finds an altered detail (who, what) of a record', async () => {
    await tamper(`UPDATE audit_log SET detail = jsonb_set(detail, '{r}', '"other"') WHERE id = ${idAt(4)}`);
    expect(await verifyAuditLog(db.pool)).toMatchObject({
      ok: false,
      seq: 4,
      reason: expect.stringMatching(/altered/),
    });
  });

  it('finds a deleted record', async () => {
    await tamper(`DELETE FROM audit_log WHERE id = ${idAt(2)}`);
    expect(await verifyAuditLog(db.pool)).toMatchObject({
      ok: false,
      seq: 2,
      reason: expect.stringMatching(/missing/),
    });
  });

  it('finds a removed seal', async () => {
    await tamper('DELETE FROM audit_seal WHERE seq = 2');
    expect(await verifyAuditLog(db.pool)).toMatchObject({
      ok: false,
      seq: 3,
      reason: expect.stringMatching(/missing/),
    });
  });

  it('finds two records swapped in the chain', async () => {
    await tamper(`UPDATE audit_seal SET audit_id = -audit_id WHERE seq IN (2, 3)`);
    await tamper(`UPDATE audit_seal a SET audit_id = -b.audit_id FROM audit_seal b
                  WHERE a.seq IN (2, 3) AND b.seq = 5 - a.seq`);
    expect(await verifyAuditLog(db.pool)).toMatchObject({ ok: false, seq: 2 });
  });

  it('finds a record slipped in outside the chain', async () => {
    await tamper(`INSERT INTO audit_log (txid, action, interaction, outcome, detail)
                  VALUES (1, 'R', 'read', 'success', '{}')`);
    expect(await verifyAuditLog(db.pool)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/outside the chain/),
    });
  });
});

describe('verifyLegacyChain: the trail of before issue 9 stays verifiable', () => {
  it('verifies a legacy AuditEvent chain, and finds an altered record in it', async () => {
    const db = await freshDatabase();
    try {
      const genesis = '0'.repeat(64);
      const event = {
        resourceType: 'AuditEvent',
        id: 'old-1',
        extension: [{ url: PREVIOUS_HASH_URL, valueString: genesis }],
        action: 'R',
        recorded: '2025-01-01T00:00:00.000Z',
      };
      const hash = createHash('sha256')
        .update(genesis)
        .update('\n')
        .update(canonicalJson(event))
        .digest('hex');
      const params = [JSON.stringify(event)];
      await db.pool.query(
        `INSERT INTO resource_version (resource_type, id, version_id, last_updated, deleted, method, content)
         VALUES ('AuditEvent', 'old-1', 1, now(), false, 'POST', $1)`,
        params,
      );
      await db.pool.query(
        `INSERT INTO resource (resource_type, id, version_id, last_updated, deleted, content)
         VALUES ('AuditEvent', 'old-1', 1, now(), false, $1)`,
        params,
      );
      await db.pool.query(
        `INSERT INTO audit_chain (seq, audit_id, prev_hash, hash, recorded) VALUES (1, 'old-1', $1, $2, now())`,
        [genesis, hash],
      );
      expect(await verifyLegacyChain(db.pool)).toEqual({ ok: true, checked: 1 });
      await db.transaction(async (tx) => {
        await tx.query('SET LOCAL session_replication_role = replica');
        await tx.query(`UPDATE resource_version SET content = jsonb_set(content, '{action}', '"C"')`);
      });
      expect(await verifyLegacyChain(db.pool)).toMatchObject({
        ok: false,
        seq: 1,
        reason: expect.stringMatching(/altered/),
      });
    } finally {
      await db.close();
    }
  });
});
