import type { Database } from '../../src/store/database';
import { AuditTrail } from '../../src/audit/audit-trail';
import { verifyAuditLog } from '../../src/audit/audit-seal';
import { sealAll } from './audit-support';
import { classifyDatabaseError } from '../../src/store/database-errors';
import { caller, freshDatabase } from '../security/security-test-support';
import { setTimeout as sleep } from 'node:timers/promises';

const gp = caller('gp', { ura: '90000011' });
const entry = {
  action: 'R' as const,
  interaction: 'read',
  outcome: 'success' as const,
  caller: gp,
  entities: [],
};

/**
 * Issue 8 §3 (the flusher now inserts through the pool, without a chain lock): the group-commit flusher kept a
 * pooled client between flushes. When the database went away under
 * it, the client's 'error' event had no listener (the process died), and a failed batch was retried entry by entry,
 * each waiting for its own connection, so the flusher stayed wedged long after the database was back.
 */
describe('audit flusher when its connection is lost', () => {
  let db: Database;
  beforeAll(async () => {
    db = await freshDatabase();
  });
  afterAll(() => db.close());

  it('does not crash, fails the queue at once, and flushes again afterwards', async () => {
    const audit = new AuditTrail(db, { serviceId: 't' });
    await audit.record(db.pool, { requestId: 'warm-up', baseUrl: 'x', caller: gp }, entry);
    // Lock the audit table, so that the flusher's next INSERT waits.
    const blocker = await db.pool.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE audit_log IN ACCESS EXCLUSIVE MODE');
    try {
      const waiting = Array.from({ length: 20 }, (_, i) =>
        audit.record(db.pool, { requestId: `r${i}`, baseUrl: 'x', caller: gp }, entry).then(
          () => 'ok',
          (err: unknown) => err,
        ),
      );
      await sleep(300);
      const { rows } = await db.pool.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO audit_log%'`,
      );
      expect(rows).toHaveLength(1);
      const started = Date.now();
      await db.pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      const results = await Promise.all(waiting);
      expect(Date.now() - started).toBeLessThan(2000);
      for (const result of results) expect(classifyDatabaseError(result)?.kind).toBe('unavailable');
    } finally {
      await blocker.query('ROLLBACK');
      blocker.release();
    }
    await audit.record(db.pool, { requestId: 'after', baseUrl: 'x', caller: gp }, entry);
    await sealAll(db);
    expect(await verifyAuditLog(db.pool)).toEqual({ ok: true, checked: 2, unsealed: 0 });
  });
});
