import type { Patient } from '@medplum/fhirtypes';
import type { ResourceChange } from '../../src/fhir/ports';
import { PgBossOutbox, RESOURCE_CHANGED, outboxStats } from '../../src/jobs/outbox';
import { startJobs } from '../../src/jobs/worker';
import type { Database } from '../../src/store/database';
import { createTestDatabase } from '../support/test-database';
import { startTestServer } from '../support/test-server';

const change = (id: string): ResourceChange => ({
  resourceType: 'Patient',
  id,
  versionId: 1,
  interaction: 'create',
  lastUpdated: new Date().toISOString(),
  requestId: 'outbox-test',
});

const until = async (done: () => boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
};

describe('the outbox (pg-boss queue resource-changed)', () => {
  let db: Database;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.close());

  const queued = async (id: string) =>
    (
      await db.pool.query<{ state: string }>(
        `SELECT state FROM pgboss.job WHERE name = $1 AND data->>'id' = $2`,
        [RESOURCE_CHANGED, id],
      )
    ).rows.map((r) => r.state);

  it('keeps what a transaction enqueued only when it commits', async () => {
    const jobs = await startJobs(db, { sealIntervalMs: 60_000, afterCommit: [] });
    try {
      await expect(
        db.transaction(async (tx) => {
          await jobs.outbox.enqueue(tx, [change('rolled-back')]);
          throw new Error('rollback');
        }),
      ).rejects.toThrow('rollback');
      await db.transaction((tx) => jobs.outbox.enqueue(tx, [change('committed')]));
      expect(await queued('rolled-back')).toEqual([]);
      expect((await queued('committed')).length).toBe(1);
    } finally {
      await jobs.stop();
    }
  });

  it('keeps jobs enqueued while no worker runs, and a worker started later consumes them', async () => {
    // Start once (creates the queue), then stop: the service is down, or runs without jobs.
    const first = await startJobs(db, { sealIntervalMs: 60_000, afterCommit: [] });
    await first.stop();
    // A write commits its outbox row meanwhile (the stopped instance still inserts on the write's client).
    await db.transaction((tx) => new PgBossOutbox(first.queue).enqueue(tx, [change('while-down')]));
    expect(await queued('while-down')).toEqual(['created']);
    const consumed: ResourceChange[] = [];
    const before = outboxStats.consumed;
    const second = await startJobs(db, {
      sealIntervalMs: 60_000,
      afterCommit: [async (c) => void consumed.push(c)],
    });
    try {
      await until(() => consumed.some((c) => c.id === 'while-down'));
      expect(consumed.map((c) => c.id)).toContain('while-down');
      expect(outboxStats.consumed).toBeGreaterThan(before);
      await until(() => false, 200);
      expect(await queued('while-down')).toEqual(['completed']);
    } finally {
      await second.stop();
    }
  });

  it('drains a backlog of several batches at once, not one batch per polling interval (2 s)', async () => {
    const first = await startJobs(db, { sealIntervalMs: 60_000, afterCommit: [] });
    await first.stop();
    const ids = Array.from({ length: 200 }, (_, i) => `backlog-${i}`);
    await db.transaction((tx) => new PgBossOutbox(first.queue).enqueue(tx, ids.map(change)));
    const seen = new Set<string>();
    const jobs = await startJobs(db, {
      sealIntervalMs: 60_000,
      afterCommit: [async (c) => void seen.add(c.id)],
    });
    try {
      const started = Date.now();
      await until(() => ids.every((id) => seen.has(id)));
      // Four batches of 50: one per 2 s poll took some 6 s; fetched again at once, well under 2 s.
      expect(ids.every((id) => seen.has(id))).toBe(true);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await jobs.stop();
    }
  });

  it('retries a change whose consumer fails, with the queue retry policy', async () => {
    let attempts = 0;
    const jobs = await startJobs(db, {
      sealIntervalMs: 60_000,
      afterCommit: [
        async (c) => {
          if (c.id !== 'flaky') return;
          attempts++;
          if (attempts === 1) throw new Error('consumer down');
        },
      ],
    });
    try {
      expect(await jobs.queue.getQueue(RESOURCE_CHANGED)).toMatchObject({
        retryLimit: 8,
        retryBackoff: true,
      });
      await db.transaction((tx) => jobs.outbox.enqueue(tx, [change('flaky')]));
      await until(() => attempts >= 1);
      expect(attempts).toBe(1);
      // Marked for retry (once pg-boss has recorded the failure), not before its backoff delay (retryDelay 5 s).
      const state = () =>
        db.pool.query<{ state: string; waits: boolean }>(
          `SELECT state, start_after > now() + interval '2 seconds' AS waits FROM pgboss.job
           WHERE name = $1 AND data->>'id' = 'flaky'`,
          [RESOURCE_CHANGED],
        );
      let retry = await state();
      for (let end = Date.now() + 10_000; retry.rows[0]?.state === 'active' && Date.now() < end;)
        retry = await new Promise((r) => setTimeout(r, 50)).then(state);
      expect(retry.rows[0]).toEqual({ state: 'retry', waits: true });
    } finally {
      await jobs.stop();
    }
  });
});

describe('a service without jobs (RUN_JOBS=false)', () => {
  it('still publishes its committed changes, for a worker elsewhere', async () => {
    const server = await startTestServer({ RUN_JOBS: 'false' });
    try {
      expect(server.service.jobs).toBeUndefined();
      const admin = await server.client('admin');
      const body: Patient = { resourceType: 'Patient', active: true };
      const created = (await admin.create({ resourceType: 'Patient', body })) as Patient;
      const rows = await server.service.db.pool.query<{ state: string }>(
        `SELECT state FROM pgboss.job WHERE name = $1 AND data->>'id' = $2`,
        [RESOURCE_CHANGED, created.id as string],
      );
      // Queued, and nobody here consumes it.
      expect(rows.rows.map((r) => r.state)).toEqual(['created']);
    } finally {
      await server.close();
    }
  }, 60_000);
});
