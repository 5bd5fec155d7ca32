import pg from 'pg';
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Database } from '../../src/store/database';
import { searchAuditRows } from '../../src/store/audit-log';
import { auditEventOf } from '../../src/audit/audit-record';
import { sealRound } from '../../src/audit/audit-seal';
import { BSN_SYSTEM } from '../../src/audit/audit-event';
import { put } from '../security/security-test-support';

/** A patient with a BSN and a care plan about it: what the audited reads of these tests are about. */
export async function seedPatientWithPlan(db: Database): Promise<void> {
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
}

/** The newest audit record as the AuditEvent admins get. */
export async function latestEvent(db: Database): Promise<AuditEvent> {
  const [row] = await searchAuditRows(db.pool, { limit: 1 });
  return auditEventOf(row);
}

export async function auditRowCount(db: Database): Promise<number> {
  return (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log')).rows[0].n;
}

/** Seals everything committed now, as the sealer's leader would (on a connection of its own). */
export async function sealAll(db: Database): Promise<number> {
  const client = new pg.Client(db.pool.options);
  await client.connect();
  try {
    let total = 0;
    for (;;) {
      const n = await sealRound(client);
      if (n === 0) return total;
      total += n;
    }
  } finally {
    await client.end();
  }
}
