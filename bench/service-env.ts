import { BIG_TRANSACTION_ENTRIES } from './run-write';

/** The service's environment: embedded PostgreSQL in a fresh directory, quiet, and no rate limit in the way. */
export function serviceEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    LOAD_DEMO_DATA: 'false',
    // The limiter still runs on every request (its cost is measured); it just never refuses one.
    RATE_LIMIT_PER_MINUTE: '1000000000',
    RATE_LIMIT_IP_PER_MINUTE: '1000000000',
    TOKEN_TTL_SECONDS: '3600',
    // The 5,000-entry transaction of issue 9's targets (about 11 MB of JSON).
    MAX_BUNDLE_ENTRIES: String(BIG_TRANSACTION_ENTRIES),
    MAX_BODY_BYTES: String(64 * 1024 * 1024),
    // …which may take longer than the default 30 s request deadline; it should finish, not time out.
    REQUEST_DEADLINE_MS: '600000',
    // Demo clients (the bench's admin client) are refused in production.
    NODE_ENV: 'development',
  };
  for (const name of ['DATABASE_URL', 'BASE_URL', 'PUBLIC_URL', 'CLIENTS_FILE']) delete env[name];
  return env;
}
