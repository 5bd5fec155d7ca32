import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Queryable } from '../store/database';
import { jobExecutor } from '../store/job-executor';
import type { Outbox, ResourceChange } from '../fhir/ports';
import { fetchAgainWhenFull } from './drain';

/** The outbox queue: one job per committed version (create, update, delete). */
export const RESOURCE_CHANGED = 'resource-changed';

/**
 * An afterCommit consumer (later: Subscriptions, Task notifications, export). It runs after the commit, at least
 * once per change: throwing retries the job with backoff, so a consumer must be idempotent.
 */
export type AfterCommit = (change: ResourceChange) => Promise<void>;

/** Counts what the outbox consumer saw, so that the queue is observable (tests, and later /metrics). */
export const outboxStats = { consumed: 0, failed: 0 };

/**
 * The outbox on pg-boss: the jobs are inserted with the write transaction's own client (pg-boss's `db` executor),
 * in one statement for every change of the transaction, so they commit or roll back with the write.
 */
export class PgBossOutbox implements Outbox {
  constructor(private readonly boss: PgBoss) {}

  async enqueue(tx: Queryable, changes: readonly ResourceChange[]): Promise<void> {
    if (!changes.length) return;
    const jobs = changes.map((data) => ({ name: RESOURCE_CHANGED, data }));
    await this.boss.insert(jobs, { db: jobExecutor(tx) });
  }
}

/** The consumers registered today: a debug log line per change (the counter is kept by consumeChanges). */
export function defaultConsumers(logger?: Logger): AfterCommit[] {
  return [
    async (change) => {
      logger?.debug({ change }, 'resource changed');
    },
  ];
}

const OUTBOX_BATCH = 50;

/** Works the outbox queue: every consumer sees every change; a failure retries the batch (RETRY of the queue). */
export async function consumeChanges(boss: PgBoss, consumers: readonly AfterCommit[]): Promise<void> {
  let worker = '';
  const next = fetchAgainWhenFull(boss, OUTBOX_BATCH, () => worker);
  worker = await boss.work<ResourceChange>(RESOURCE_CHANGED, { batchSize: OUTBOX_BATCH }, async (jobs) => {
    try {
      for (const job of jobs) for (const consumer of consumers) await consumer(job.data);
    } catch (err) {
      outboxStats.failed += jobs.length;
      throw err;
    }
    outboxStats.consumed += jobs.length;
    next(jobs);
  });
}
