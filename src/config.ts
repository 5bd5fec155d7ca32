import path from 'node:path';
import { projectPath } from './project-root';

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
  /** Largest number of entries in a transaction or batch Bundle (413 above it). */
  maxBundleEntries: number;
  /** Refuse (422) writes with a literal reference to a resource of this server that does not exist. */
  enforceReferentialIntegrity: boolean;
  /** Key that signs paging cursors; absent → a random secret kept in the database (shared by all instances). */
  cursorSecret?: string;
  /** Time to process a request once received; past it the answer is 504 and its database work is cancelled. */
  requestDeadlineMs: number;
  /** Open HTTP connections at most (server.maxConnections); further ones are refused. */
  maxConnections: number;
  database: DatabaseSettings;
  loadDemoData: boolean;
  nodeEnv: string;
  /** Key of the pseudonyms for non-identifiable clients (HMAC and SIV encryption); required in production. */
  pseudonymKey: string;
  security: SecurityConfig;
  /** Run the background jobs (audit sealer) in this process; false when `npm run worker` runs them. */
  runJobs: boolean;
  /** How often the audit sealer seals (the seal lag is at most about this, plus the longest write). */
  auditSealIntervalMs: number;
  subscriptions: SubscriptionConfig;
}

/** Subscriptions (rest-hook): where notifications may go, and how failed deliveries are retried. */
export interface SubscriptionConfig {
  /** URL prefixes an endpoint must start with (SUBSCRIPTION_ENDPOINTS, comma-separated); empty: none. */
  endpoints: string[];
  /** Development: http://localhost and http://127.0.0.1 endpoints are allowed too. */
  allowLocalhost: boolean;
  retryLimit: number;
  retryDelaySeconds: number;
}

/**
 * DEMO-ONLY development default: fixed, so pseudonyms stay the same across restarts of a development service.
 * It is published here, so anyone can reverse pseudonyms made with it; production refuses to start without
 * its own PSEUDONYM_KEY.
 */
export const DEMO_PSEUDONYM_KEY = 'DEMO-ONLY-meso-fhir-pseudonym-key-never-use-in-production';

function pseudonymKeyFrom(env: NodeJS.ProcessEnv, nodeEnv: string): string {
  const key = env.PSEUDONYM_KEY;
  if (!key) {
    if (nodeEnv === 'production')
      throw new Error(
        'Configuration PSEUDONYM_KEY is required in production (at least 32 characters, e.g. `openssl rand -base64 32`)',
      );
    return DEMO_PSEUDONYM_KEY;
  }
  if (key.length < 32) throw new Error('Configuration PSEUDONYM_KEY must be at least 32 characters');
  if (nodeEnv === 'production' && key === DEMO_PSEUDONYM_KEY)
    throw new Error('Configuration PSEUDONYM_KEY must not be the published demo key in production');
  return key;
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

function secretFrom(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (!raw) return undefined;
  if (raw.length < 32) throw new Error(`Configuration ${name} must be at least 32 characters long`);
  return raw;
}

/** Security settings (src/security). Listed in the README configuration table. */
export interface SecurityConfig {
  /** Externally visible origin of the service (no path), e.g. https://fhir.example.nl. Token `iss` and the
   * assertion `aud` derive from it; absent → derived per request (development only). */
  publicUrl?: string;
  /** Path of the FHIR endpoint below publicUrl; the access token's audience is publicUrl + fhirPath. */
  fhirPath: string;
  tokenTtlSeconds: number;
  /** A new service signing key is generated when the newest is older than this. */
  keyRotationHours: number;
  rateLimitPerMinute: number;
  /** Limit per IP address before authentication (clients behind one NAT share it, so it is higher). */
  rateLimitIpPerMinute: number;
  /** Allowed CORS origins; empty → no CORS headers; ['*'] → any origin (bearer tokens, no cookies). */
  corsOrigins: string[];
  /** JSON file with extra (non-demo) clients, seeded into the registry at start. */
  clientsFile?: string;
  /** Directory with the demo clients (examples/clients); never loaded in production. */
  demoClientsDir?: string;
  nodeEnv: string;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`Configuration ${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** PUBLIC_URL wins; otherwise the origin of BASE_URL (which may end in /fhir). */
function publicUrlFrom(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.PUBLIC_URL || env.BASE_URL;
  if (!raw) return undefined;
  const url = new URL(raw);
  return `${url.protocol}//${url.host}`;
}

function securityFrom(env: NodeJS.ProcessEnv, nodeEnv: string): SecurityConfig {
  const rateLimitPerMinute = positiveInt(env, 'RATE_LIMIT_PER_MINUTE', 600);
  return {
    publicUrl: publicUrlFrom(env),
    fhirPath: '/fhir',
    tokenTtlSeconds: positiveInt(env, 'TOKEN_TTL_SECONDS', 300),
    keyRotationHours: positiveInt(env, 'KEY_ROTATION_HOURS', 24 * 7),
    rateLimitPerMinute,
    rateLimitIpPerMinute: positiveInt(env, 'RATE_LIMIT_IP_PER_MINUTE', rateLimitPerMinute * 10),
    corsOrigins: (env.CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    clientsFile: env.CLIENTS_FILE || undefined,
    demoClientsDir: env.DEMO_CLIENTS_DIR || projectPath('examples', 'clients'),
    nodeEnv,
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnv = env.NODE_ENV ?? 'development';
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
    maxBundleEntries: intFrom(env, 'MAX_BUNDLE_ENTRIES', 1000),
    enforceReferentialIntegrity: (env.ENFORCE_REFERENTIAL_INTEGRITY ?? 'true') !== 'false',
    cursorSecret: secretFrom(env, 'CURSOR_SECRET'),
    requestDeadlineMs: intFrom(env, 'REQUEST_DEADLINE_MS', 30000),
    maxConnections: intFrom(env, 'MAX_CONNECTIONS', 1000),
    database: {
      poolMax: Math.max(1, intFrom(env, 'DB_POOL_MAX', 10)),
      connectTimeoutMs: intFrom(env, 'DB_CONNECT_TIMEOUT_MS', 5000),
      statementTimeoutMs: intFrom(env, 'DB_STATEMENT_TIMEOUT_MS', 15000),
      idleInTransactionTimeoutMs: intFrom(env, 'DB_IDLE_IN_TX_TIMEOUT_MS', 30000),
    },
    loadDemoData: (env.LOAD_DEMO_DATA ?? 'true') !== 'false',
    nodeEnv,
    pseudonymKey: pseudonymKeyFrom(env, nodeEnv),
    security: securityFrom(env, nodeEnv),
    runJobs: (env.RUN_JOBS ?? 'true') !== 'false',
    auditSealIntervalMs: Math.max(10, intFrom(env, 'AUDIT_SEAL_INTERVAL_MS', 1000)),
    subscriptions: {
      endpoints: (env.SUBSCRIPTION_ENDPOINTS ?? '')
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean),
      allowLocalhost: nodeEnv === 'development' || nodeEnv === 'test',
      retryLimit: intFrom(env, 'SUBSCRIPTION_RETRY_LIMIT', 5),
      retryDelaySeconds: positiveInt(env, 'SUBSCRIPTION_RETRY_DELAY_SECONDS', 10),
    },
  };
}
