import type { Database } from '../../src/store/database';
import { startJobs } from '../../src/jobs/worker';
import { AUDIT_MAINTENANCE } from '../../src/jobs/queue';
import { createTestDatabase } from '../support/test-database';
import { setTimeout as sleep } from 'node:timers/promises';

describe('the job queue (pg-boss)', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.close());

  it('creates the audit partitions ahead at start, and schedules the job hourly', async () => {
    // A month that has no partition yet, as when the service was down across a month's end.
    const ahead = await db.pool.query<{ name: string }>(
      `SELECT 'audit_log_' || to_char(date_trunc('month', now()) + interval '2 months', 'YYYY_MM') AS name`,
    );
    await db.pool.query(`DROP TABLE ${ahead.rows[0].name}`);
    const partitions = async () =>
      (
        await db.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'audit_log'::regclass`,
        )
      ).rows[0].n;
    expect(await partitions()).toBe(3);
    const jobs = await startJobs(db, { sealIntervalMs: 1000 });
    try {
      const end = Date.now() + 10_000;
      // The default partition and this month and the next two.
      while ((await partitions()) < 4 && Date.now() < end) await sleep(100);
      expect(await partitions()).toBe(4);
      const schedules = await jobs.queue.getSchedules();
      expect(schedules.map((s) => s.name)).toContain(AUDIT_MAINTENANCE);
      const queue = await jobs.queue.getQueue(AUDIT_MAINTENANCE);
      expect(queue).toMatchObject({ retryLimit: 8, retryBackoff: true });
    } finally {
      await jobs.stop();
    }
  });
});
