import type { Logger } from 'pino';
import type { Database } from '../store/database';
import { AuditSealerJob } from './audit-sealer-job';

/** The background jobs of this service, off the request path. */
export interface Jobs {
  sealer: AuditSealerJob;
  stop(): Promise<void>;
}

/** Starts the jobs (in the service process, or alone in `npm run worker`). Migrations must have run. */
export function startJobs(db: Database, options: { sealIntervalMs: number; logger?: Logger }): Jobs {
  const sealer = new AuditSealerJob(db, { intervalMs: options.sealIntervalMs, logger: options.logger });
  sealer.start();
  return { sealer, stop: () => sealer.stop() };
}
