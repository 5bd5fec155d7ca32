import type { AuditEvent, Patient } from '@medplum/fhirtypes';
import type { Database } from '../../src/store/database';
import { AuditTrail, verifyAuditChain } from '../../src/security/audit-trail';
import { BSN_SYSTEM } from '../../src/security/audit-event';
import { writeIndexes } from '../../src/fhir/search/indexer';
import { caller, freshDatabase, put } from './security-test-support';

const gp = caller('gp', { ura: '90000011' });
const read = (entities: string[]) => ({
  action: 'R' as const,
  interaction: 'read',
  outcome: 'success' as const,
  caller: gp,
  entities,
});

describe('audit trail group commit', () => {
  let db: Database;
  let audit: AuditTrail;
  beforeAll(async () => {
    db = await freshDatabase();
    audit = new AuditTrail(db, { serviceId: 't', indexed: true });
    await put(db.pool, {
      resourceType: 'Patient',
      id: 'p1',
      identifier: [{ system: BSN_SYSTEM, value: '999911120' }],
    } as Patient);
    await put(db.pool, {
      resourceType: 'Patient',
      id: 'p1',
      identifier: [{ system: BSN_SYSTEM, value: '999911132' }],
    } as Patient);
    await put(db.pool, {
      resourceType: 'CarePlan',
      id: 'cp1',
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/p1' },
    } as never);
  });
  afterAll(() => db.close());

  it('isolates a bad entry, keeps the chain, indexes, and mixes with write transactions', async () => {
    const results = await Promise.allSettled([
      ...Array.from({ length: 30 }, (_, i) =>
        audit.record(
          db.pool,
          { requestId: i === 7 ? 'bad\u0000' : `r${i}`, baseUrl: 'x', caller: gp },
          read(i % 2 ? ['Patient/p1'] : ['CarePlan/cp1/_history/1', 'Patient/p1/_history/1']),
        ),
      ),
      ...Array.from({ length: 5 }, () =>
        db.transaction(async (tx) => {
          await audit.beginWrite(tx);
          await audit.record(
            tx,
            { requestId: 'w', baseUrl: 'x', caller: gp },
            { ...read(['Patient/p1']), action: 'U', interaction: 'update' },
          );
        }),
      ),
    ]);
    const failed = results.map((r, i) => (r.status === 'rejected' ? i : -1)).filter((i) => i >= 0);
    expect(failed).toEqual([7]);
    expect(await verifyAuditChain(db.pool)).toEqual({ ok: true, checked: 34 });
    const idx = await db.pool.query(
      `SELECT count(DISTINCT id) AS n FROM search_token WHERE resource_type = 'AuditEvent'`,
    );
    expect(Number(idx.rows[0].n)).toBe(34);
    const comp = await db.pool.query(
      `SELECT count(*) AS n FROM resource_compartment WHERE resource_type = 'AuditEvent' AND patient_id = 'p1'`,
    );
    expect(Number(comp.rows[0].n)).toBe(34);
    const ev = await db.pool.query<{ content: AuditEvent }>(
      `SELECT content FROM resource WHERE resource_type = 'AuditEvent' AND content::text LIKE '%CarePlan/cp1%' LIMIT 1`,
    );
    const pat = ev.rows[0].content.entity?.find((e) => e.what?.reference === 'Patient/p1');
    // BSN from the newest Patient version even though version 1 was named
    expect(pat?.what?.identifier?.value).toBe('999911132');
    const dates = await db.pool.query(
      `SELECT count(*) AS n FROM search_date WHERE resource_type = 'AuditEvent'`,
    );
    expect(Number(dates.rows[0].n)).toBe(34);
  });
});

describe('bulk index rows equal writeIndexes rows', () => {
  it('same rows', async () => {
    const db = await freshDatabase();
    const audit = new AuditTrail(db, { serviceId: 't', indexed: true });
    await put(db.pool, {
      resourceType: 'Patient',
      id: 'p1',
      identifier: [{ system: BSN_SYSTEM, value: '999911120' }],
    } as Patient);
    await audit.record(
      db.pool,
      { requestId: 'r', baseUrl: 'x', caller: { ...gp, user: { id: '1', name: 'Dr X', role: '01.015' } } },
      { ...read(['Patient/p1']), query: 'Patient?x=1', description: 'd' },
    );
    const id = (await db.pool.query(`SELECT audit_id FROM audit_chain`)).rows[0].audit_id as string;
    const tables = [
      'search_token',
      'search_string',
      'search_reference',
      'search_date',
      'search_number',
      'search_quantity',
      'search_uri',
      'resource_compartment',
    ];
    const dump = async (q: { query: Database['pool']['query'] }) => {
      const out: Record<string, unknown[]> = {};
      for (const t of tables)
        out[t] = (await (q as Database['pool']).query(`SELECT * FROM ${t} WHERE id = $1`, [id])).rows
          .map((r) => JSON.stringify(r))
          .sort();
      return out;
    };
    const mine = await dump(db.pool);
    const client = await db.pool.connect();
    await client.query('BEGIN');
    const content = (await client.query(`SELECT content FROM resource WHERE id = $1`, [id])).rows[0].content;
    await writeIndexes(client, content);
    const theirs = await dump(client as never);
    await client.query('ROLLBACK');
    client.release();
    expect(mine).toEqual(theirs);
    expect(Object.values(mine).flat().length).toBeGreaterThan(10);
    await db.close();
  });
});
