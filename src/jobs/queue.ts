import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../store/database';
import { ensureAuditPartitions } from '../store/audit-log';
import { classifyDatabaseError } from '../store/database-errors';
import { consumeChanges, defaultConsumers, RESOURCE_CHANGED, type AfterCommit } from './outbox';
import { startDelivery, subscriptionConsumer, type NotificationDeps } from './subscription-delivery';

/** Queue names (the outbox's is RESOURCE_CHANGED, src/jobs/outbox.ts). Later: Bulk Data export. */
export const AUDIT_MAINTENANCE = 'audit-maintenance';

/** Retries with exponential backoff (5 s, 10 s, 20 s, …); jobs live in PostgreSQL and survive restarts. */
const RETRY = { retryLimit: 8, retryDelay: 5, retryBackoff: true } as const;

/**
 * The job queue: pg-boss on this service's database (its own schema `pgboss`, its own small pool). Jobs that
 * must not run on the request path go here; pg-boss's cron runs each scheduled job once across all instances.
 *
 * The audit sealer is not a queued job: it runs every second and must be exactly one process at a time, which a
 * session advisory lock gives without a job per second (src/jobs/audit-sealer-job.ts).
 */
export async function startQueue(
  db: Database,
  logger?: Logger,
  afterCommit: readonly AfterCommit[] = defaultConsumers(logger),
  notifications?: NotificationDeps,
): Promise<PgBoss> {
  const boss = await openQueue(db, logger, { max: 2 });
  await boss.createQueue(AUDIT_MAINTENANCE, { name: AUDIT_MAINTENANCE, ...RETRY });
  // Subscriptions (rest-hook): the delivery queue exists before the consumer that fills it.
  if (notifications) await startDelivery(boss, notifications);
  const consumers = notifications ? [...afterCommit, subscriptionConsumer(boss, notifications)] : afterCommit;
  await consumeChanges(boss, consumers);
  await boss.work(AUDIT_MAINTENANCE, async () => {
    // The monthly partitions of audit_log, two months ahead (the default partition is only a safety net).
    await ensureAuditPartitions(db.pool);
  });
  await boss.schedule(AUDIT_MAINTENANCE, '17 * * * *', {}, RETRY);
  // Once at start too (deduplicated across instances starting together).
  await boss.send(AUDIT_MAINTENANCE, {}, { ...RETRY, singletonKey: 'start', singletonSeconds: 60 });
  return boss;
}

/**
 * pg-boss reports a lost connection and reconnects by itself; its error carries pg's whole client, so only the
 * reason is logged. A deliberate shutdown of the database (57P01: Ctrl-C reaches the embedded server too) is no
 * fault of the queue.
 */
function logQueueError(err: Error, logger?: Logger): void {
  const fault = classifyDatabaseError(err);
  if (!fault) logger?.warn({ err }, 'job queue error');
  else if ((err as { code?: unknown }).code === '57P01')
    logger?.info({ reason: fault.reason }, 'job queue stopped by the database');
  else logger?.warn({ reason: fault.reason }, 'job queue: database unavailable; pg-boss retries');
}

/**
 * Only the outbox's producer side, for a service that runs no jobs (RUN_JOBS=false, `npm run worker` elsewhere):
 * it ensures the queue exists, so that write transactions can insert into it, and neither polls nor schedules.
 */
export async function startPublisher(db: Database, logger?: Logger): Promise<PgBoss> {
  return openQueue(db, logger, { max: 1, supervise: false, schedule: false });
}

/**
 * pg-boss on this service's database, started, with the outbox's queue: write transactions insert into it
 * (PgBossOutbox), so it exists before any write, in a full queue and in a publish-only one alike.
 */
async function openQueue(
  db: Database,
  logger: Logger | undefined,
  options: Pick<PgBoss.ConstructorOptions, 'max' | 'supervise' | 'schedule'>,
): Promise<PgBoss> {
  const connectionString = (db.pool.options as { connectionString: string }).connectionString;
  const boss = new PgBoss({ connectionString, schema: 'pgboss', ...options });
  boss.on('error', (err) => logQueueError(err, logger));
  await boss.start();
  await boss.createQueue(RESOURCE_CHANGED, { name: RESOURCE_CHANGED, ...RETRY });
  return boss;
}

export async function stopQueue(boss: PgBoss): Promise<void> {
  await boss.stop({ graceful: true, wait: true, timeout: 5000 });
  // Stopped. pg-boss's stop does not await a maintenance or monitor query already in flight, so under load one may
  // still meet the database's own shutdown (57P01) after this; that is the deliberate shutdown, not a queue fault,
  // and its work is idempotent and re-run by the next start. Seen once in CI; not logged.
  boss.removeAllListeners('error');
  boss.on('error', () => undefined);
}
