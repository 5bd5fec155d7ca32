import type { Patient } from '@medplum/fhirtypes';
import type { Database } from '../../src/store/database';
import { AuditTrail } from '../../src/audit/audit-trail';
import { verifyAuditLog } from '../../src/audit/audit-seal';
import { BSN_SYSTEM } from '../../src/audit/audit-event';
import { searchAuditRows } from '../../src/store/audit-log';
import { auditEventOf } from '../../src/audit/audit-record';
import { caller, freshDatabase, put } from '../security/security-test-support';
import { sealAll, seedPatientWithPlan } from './audit-support';

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
    audit = new AuditTrail(db, { serviceId: 't' });
    await seedPatientWithPlan(db);
    // A second version of the patient: the trail names the BSN of its current version.
    await put(db.pool, {
      resourceType: 'Patient',
      id: 'p1',
      identifier: [{ system: BSN_SYSTEM, value: '999911132' }],
    } as Patient);
  });
  afterAll(() => db.close());

  it('isolates a bad entry, shares commits, mixes with write transactions, and every row gets sealed', async () => {
    const inserts: number[] = [];
    const spy = jest.spyOn(db.pool, 'query');
    const results = await Promise.allSettled([
      ...Array.from({ length: 30 }, (_, i) =>
        audit.record(
          db.pool,
          { requestId: i === 7 ? 'bad\u0000' : `r${i}`, baseUrl: 'x', caller: gp },
          read(i % 2 ? ['Patient/p1'] : ['CarePlan/cp1/_history/1', 'Patient/p1/_history/1']),
        ),
      ),
      ...Array.from({ length: 5 }, () =>
        db.transaction((tx) =>
          audit.record(
            tx,
            { requestId: 'w', baseUrl: 'x', caller: gp },
            { ...read(['Patient/p1']), action: 'U', interaction: 'update' },
          ),
        ),
      ),
    ]);
    for (const call of spy.mock.calls)
      if (String(call[0]).includes('INSERT INTO audit_log')) inserts.push(call.length);
    spy.mockRestore();
    const failed = results.map((r, i) => (r.status === 'rejected' ? i : -1)).filter((i) => i >= 0);
    expect(failed).toEqual([7]);
    // Group commit: the 30 reads did not take 30 statements (the bad batch is retried entry by entry, though).
    expect(inserts.length).toBeLessThan(40);
    expect(await sealAll(db)).toBe(34);
    expect(await verifyAuditLog(db.pool)).toEqual({ ok: true, checked: 34, unsealed: 0 });
    // Every row is found by the patient it is about (NEN 7513 look-up), and names the BSN.
    const rows = await searchAuditRows(db.pool, { patientIds: ['p1'], limit: 100 });
    expect(rows).toHaveLength(34);
    const event = auditEventOf(rows.find((r) => JSON.stringify(r.detail).includes('CarePlan/cp1'))!);
    const pat = event.entity?.find((e) => e.what?.reference === 'Patient/p1');
    // BSN from the newest Patient version even though version 1 was named
    expect(pat?.what?.identifier?.value).toBe('999911132');
  });
});
