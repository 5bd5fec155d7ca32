/**
 * The background jobs (Subscription deliveries, plan narrative refresh, audit sealer) in a process of their own: `npm run worker`, for deployments that run the
 * service with RUN_JOBS=false. Uses DATABASE_URL, or the embedded database of the running service in DATA_DIR.
 * Runs the migrations first (a no-op when the service ran them), stops on SIGTERM/SIGINT.
 */
import pino from 'pino';
import { loadConfig } from '../src/config';
import { openExistingDatabase, describeError } from '../src/store/existing-database';
import { migrate } from '../src/store/migrate';
import { startWorker } from '../src/background';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel });
  const db = await openExistingDatabase(config, (line) => logger.info(line));
  await migrate(db);
  const jobs = await startWorker(db, config, logger);
  logger.info({ pid: process.pid }, 'worker started');
  const stop = (signal: string) => {
    logger.info({ signal }, 'worker stopping');
    jobs
      .stop()
      .then(() => db.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`worker: ${describeError(err)}\n`);
    process.exit(1);
  });
}
