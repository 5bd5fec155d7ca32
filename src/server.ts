import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { loadConfig, type Config } from './config';
import { openDatabase, type Database } from './store/database';
import { migrate } from './store/migrate';
import { createApp } from './app';
import { buildFhirEngine } from './fhir/engine';
import { loadDemoData } from './demo-data-loader';
import { createSecurity } from './security/security-layer';
import { answerClientError } from './fhir/rest/client-error';
import { assertPortFree, listen, PortInUseError } from './http/listen';

export interface RunningService {
  /** Origin, e.g. http://127.0.0.1:8080 */
  url: string;
  /** FHIR base, e.g. http://127.0.0.1:8080/fhir */
  baseUrl: string;
  db: Database;
  close(): Promise<void>;
}

/** Wiring only: config → store → migrations → security → FHIR engine → HTTP → listen. */
export async function startService(
  config: Config,
  logger: Logger = pino({ level: config.logLevel }),
): Promise<RunningService> {
  await assertPortFree(config.port, config.host);
  const db = await openDatabase(config);
  try {
    const applied = await migrate(db);
    if (applied.length) logger.info({ applied }, 'schema migrations applied');
    const security = await createSecurity(db, config, logger);
    const { accessGuard: access, audit } = security;
    const engine = await buildFhirEngine({ db, config, access, audit, smart: security.config });
    const app = createApp({ ...config, executor: engine.executor, logger, security: security.http });
    const server = http.createServer(app);
    server.requestTimeout = config.requestTimeoutMs;
    server.on('clientError', answerClientError);
    await listen(server, config.port, config.host);
    const { port } = server.address() as AddressInfo;
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
    const url = `http://${host}:${port}`;
    const baseUrl = config.baseUrl ?? `${url}/fhir`;
    if (config.loadDemoData) {
      const created = await loadDemoData(engine.executor, baseUrl);
      if (created) logger.info({ created }, 'demo data loaded');
    }
    logger.info({ url: baseUrl, embedded: !config.databaseUrl }, 'MESO FHIR service listening');
    return { url, baseUrl, db, close: () => shutdown(server, db, logger) };
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** Stop accepting, let in-flight requests finish (bounded), then close the pool and the embedded server. */
async function shutdown(server: http.Server, db: Database, logger: Logger): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), 10_000);
  await closed;
  clearTimeout(timer);
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
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (require.main === module) {
  main().catch((err) => {
    if (err instanceof PortInUseError) process.stderr.write(`${err.message}\n`);
    else pino().fatal({ err }, 'start-up failed');
    process.exit(1);
  });
}
