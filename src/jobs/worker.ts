import type PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from '../store/database';
import { AuditSealerJob } from './audit-sealer-job';
import { startQueue, stopQueue } from './queue';

/** The background jobs of this service, off the request path. */
export interface Jobs {
  sealer: AuditSealerJob;
  queue: PgBoss;
  stop(): Promise<void>;
}

/** Starts the jobs (in the service process, or alone in `npm run worker`). Migrations must have run. */
export async function startJobs(
  db: Database,
  options: { sealIntervalMs: number; logger?: Logger },
): Promise<Jobs> {
  const queue = await startQueue(db, options.logger);
  const sealer = new AuditSealerJob(db, { intervalMs: options.sealIntervalMs, logger: options.logger });
  sealer.start();
  return {
    sealer,
    queue,
    async stop() {
      await Promise.all([sealer.stop(), stopQueue(queue)]);
    },
  };
}
