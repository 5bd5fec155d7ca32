/** A sealer in a process of its own (for the kill -9 test): DATABASE_URL, seals every 50 ms, says when it leads. */
import { createDatabase } from '../../src/store/database';
import { AuditSealerJob } from '../../src/jobs/audit-sealer-job';

const db = createDatabase(process.env.DATABASE_URL as string);
const job = new AuditSealerJob(db, { intervalMs: 50 });
job.start();
const timer = setInterval(() => {
  if (job.leading) {
    process.stdout.write('leading\n');
    clearInterval(timer);
  }
}, 20);
