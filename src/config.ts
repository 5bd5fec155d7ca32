import path from 'node:path';

/** One typed configuration object, read from the environment once at start-up. */
export interface Config {
  port: number;
  host: string;
  /** External PostgreSQL; when absent the service runs an embedded PostgreSQL in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** Absolute base URL used in Location headers, fullUrl and paging links. */
  baseUrl?: string;
  logLevel: string;
  /** Maximum request body in bytes (413 above it). */
  maxBodyBytes: number;
  /** Maximum and default page size for searches. */
  maxCount: number;
  defaultCount: number;
  /** Maximum JSON nesting depth accepted in a request body. */
  maxJsonDepth: number;
  /** Time to receive a whole request (headers and body); a stalled request gets 408. */
  requestTimeoutMs: number;
  /** Time to process a request once received; past it the answer is 504 and its database work is cancelled. */
  requestDeadlineMs: number;
  /** Open HTTP connections at most (server.maxConnections); further ones are refused. */
  maxConnections: number;
  database: DatabaseSettings;
  loadDemoData: boolean;
  nodeEnv: string;
}

/** PostgreSQL pool size and timeouts (src/store/database.ts). */
export interface DatabaseSettings {
  poolMax: number;
  /** Connecting, and waiting for a free pooled connection. */
  connectTimeoutMs: number;
  /** Longest single SQL statement (PostgreSQL statement_timeout). */
  statementTimeoutMs: number;
  /** Longest a transaction may sit idle (PostgreSQL idle_in_transaction_session_timeout). */
  idleInTransactionTimeoutMs: number;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`Configuration ${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: intFrom(env, 'PORT', 8080),
    host: env.HOST ?? '0.0.0.0',
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: path.resolve(env.DATA_DIR ?? 'data'),
    baseUrl: env.BASE_URL || undefined,
    logLevel: env.LOG_LEVEL ?? 'info',
    maxBodyBytes: intFrom(env, 'MAX_BODY_BYTES', 5 * 1024 * 1024),
    maxCount: intFrom(env, 'MAX_COUNT', 1000),
    defaultCount: intFrom(env, 'DEFAULT_COUNT', 50),
    maxJsonDepth: intFrom(env, 'MAX_JSON_DEPTH', 64),
    requestTimeoutMs: intFrom(env, 'REQUEST_TIMEOUT_MS', 10000),
    requestDeadlineMs: intFrom(env, 'REQUEST_DEADLINE_MS', 30000),
    maxConnections: intFrom(env, 'MAX_CONNECTIONS', 1000),
    database: {
      poolMax: Math.max(1, intFrom(env, 'DB_POOL_MAX', 10)),
      connectTimeoutMs: intFrom(env, 'DB_CONNECT_TIMEOUT_MS', 5000),
      statementTimeoutMs: intFrom(env, 'DB_STATEMENT_TIMEOUT_MS', 15000),
      idleInTransactionTimeoutMs: intFrom(env, 'DB_IDLE_IN_TX_TIMEOUT_MS', 30000),
    },
    loadDemoData: (env.LOAD_DEMO_DATA ?? 'true') !== 'false',
    nodeEnv: env.NODE_ENV ?? 'development',
  };
}
