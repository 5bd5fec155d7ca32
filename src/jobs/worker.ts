import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../store/database';
import { AuditSealerJob } from './audit-sealer-job';
import { startPublisher, startQueue, stopQueue } from './queue';
import { PgBossOutbox, type AfterCommit } from './outbox';
import type { Outbox } from '../fhir/ports';
import type { NotificationDeps } from './subscription-delivery';

/** The background jobs of this service, off the request path. */
export interface Jobs {
  sealer: AuditSealerJob;
  queue: PgBoss;
  /** The outbox the write path enqueues to, on this queue. */
  outbox: Outbox;
  stop(): Promise<void>;
}

/** Starts the jobs (in the service process, or alone in `npm run worker`). Migrations must have run. */
export async function startJobs(
  db: Database,
  options: {
    sealIntervalMs: number;
    logger?: Logger;
    afterCommit?: readonly AfterCommit[];
    /** Subscription notifications (rest-hook): matching and delivery. */
    notifications?: NotificationDeps;
  },
): Promise<Jobs> {
  const queue = await startQueue(db, options.logger, options.afterCommit, options.notifications);
  const sealer = new AuditSealerJob(db, { intervalMs: options.sealIntervalMs, logger: options.logger });
  sealer.start();
  return {
    sealer,
    queue,
    outbox: new PgBossOutbox(queue),
    async stop() {
      await Promise.all([sealer.stop(), stopQueue(queue)]);
    },
  };
}

/** The outbox alone, for a service process without jobs: its changes still reach the worker's consumers. */
export async function startOutboxPublisher(
  db: Database,
  logger?: Logger,
): Promise<{ outbox: Outbox; stop(): Promise<void> }> {
  const boss = await startPublisher(db, logger);
  return { outbox: new PgBossOutbox(boss), stop: () => stopQueue(boss) };
}
