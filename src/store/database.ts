import pg from 'pg';
import type { DatabaseSettings } from '../config';
import { currentSignal } from '../kernel/cancellation';
import { classifyDatabaseError } from './database-errors';
import { startEmbeddedPostgres, type EmbeddedServer, type SupervisorLog } from './embedded-postgres';

/** Anything that runs a query: the pool, or a client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/** Whether `q` is a pool (each statement commits on its own), not a client inside a transaction. */
export function isPool(q: Queryable): boolean {
  return q instanceof pg.Pool;
}

export interface Database {
  pool: pg.Pool;
  /**
   * Runs `fn` in one database transaction; commits when it resolves, rolls back when it throws. Under a
   * cancellable request (src/kernel/cancellation.ts) an abort cancels the running statement and rolls back.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Undefined when the database answers within `timeoutMs`; otherwise why not. */
  check(timeoutMs: number): Promise<string | undefined>;
  close(): Promise<void>;
}

export const DEFAULT_DATABASE_SETTINGS: DatabaseSettings = {
  poolMax: 10,
  connectTimeoutMs: 5000,
  statementTimeoutMs: 15000,
  idleInTransactionTimeoutMs: 30000,
};

// A statement the server cannot time out itself (server stopped, network gone) is given up on this much later.
const CLIENT_TIMEOUT_MARGIN_MS = 2000;

// jsonb columns come back parsed; bigint (int8) version ids fit in a JS number for any realistic history.
pg.types.setTypeParser(20, (value: string) => Number(value));

function poolConfig(url: string, s: DatabaseSettings): pg.PoolConfig {
  return {
    connectionString: url,
    max: s.poolMax,
    // Bounds both opening a connection and waiting for a free one, so an outage fails fast instead of queueing.
    connectionTimeoutMillis: s.connectTimeoutMs,
    statement_timeout: s.statementTimeoutMs || undefined,
    idle_in_transaction_session_timeout: s.idleInTransactionTimeoutMs || undefined,
    query_timeout: s.statementTimeoutMs ? s.statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS : undefined,
    keepAlive: true,
  };
}

export interface DatabaseHooks {
  /** Why the database cannot answer, when the caller knows more than a failed query says (embedded server). */
  status?(): string | undefined;
  onClose?(): Promise<void>;
}

export function createDatabase(
  url: string,
  settings: DatabaseSettings = DEFAULT_DATABASE_SETTINGS,
  hooks: DatabaseHooks = {},
): Database {
  const pool = new pg.Pool(poolConfig(url, settings));
  // An idle client losing its connection must not crash the process; the pool discards it.
  pool.on('error', () => undefined);
  // Readiness checks get their own connection, so that a busy pool does not make the service look down.
  const probe = new pg.Pool({ ...poolConfig(url, settings), max: 1 });
  probe.on('error', () => undefined);
  return {
    pool,
    transaction: (fn) => runTransaction(pool, url, settings, fn),
    check: async (timeoutMs) => hooks.status?.() ?? (await ping(probe, timeoutMs)),
    async close() {
      await Promise.all([pool.end(), probe.end()]);
      if (hooks.onClose) await hooks.onClose();
    },
  };
}

async function runTransaction<T>(
  pool: pg.Pool,
  url: string,
  settings: DatabaseSettings,
  fn: (tx: Queryable) => Promise<T>,
): Promise<T> {
  const signal = currentSignal();
  signal?.throwIfAborted();
  const client = await pool.connect();
  // A checked-out client has no listener of the pool's: without one, a lost connection is an uncaught 'error'.
  let lost: Error | undefined;
  const onError = (err: Error) => (lost ??= err);
  client.on('error', onError);
  const onAbort = () => void cancelStatement(url, settings, client);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    // The caller was answered already (deadline): what was not committed must not be.
    signal?.throwIfAborted();
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (err) {
    await rollback(client, lost ?? err);
    throw err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    client.removeListener('error', onError);
  }
}

/** Rolls back and returns the client to the pool, or discards it when its connection is lost or still busy. */
async function rollback(client: pg.PoolClient, err: unknown): Promise<void> {
  if (classifyDatabaseError(err)?.broken) {
    // PostgreSQL rolls back a transaction whose connection closes.
    client.release(err instanceof Error ? err : new Error(String(err)));
    return;
  }
  try {
    await client.query('ROLLBACK');
    client.release();
  } catch (rollbackError) {
    client.release(rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError)));
  }
}

/** Cancels the statement running on `client` (if any), over a connection of its own: the pool may be full. */
async function cancelStatement(
  url: string,
  settings: DatabaseSettings,
  client: pg.PoolClient,
): Promise<void> {
  const pid = (client as unknown as { processID?: number }).processID;
  if (!pid) return;
  const canceller = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: settings.connectTimeoutMs,
  });
  canceller.on('error', () => undefined);
  try {
    await canceller.connect();
    await canceller.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // The database is gone or hanging: the statement and client timeouts end the work instead.
  } finally {
    await canceller.end().catch(() => undefined);
  }
}

async function ping(probe: pg.Pool, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`the database did not answer within ${timeoutMs} ms`), timeoutMs);
  });
  const query = probe.query('SELECT 1').then(
    () => undefined,
    // No message text: it can name users and hosts, and /readyz is public.
    (err: unknown) => classifyDatabaseError(err)?.reason ?? `the database check failed (${codeOf(err)})`,
  );
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const codeOf = (err: unknown) => String((err as { code?: unknown } | null)?.code ?? 'no error code');

/** Connects to DATABASE_URL when given; otherwise starts the embedded PostgreSQL in `dataDir`. */
export async function openDatabase(
  options: { databaseUrl?: string; dataDir: string; database?: DatabaseSettings },
  log?: SupervisorLog,
): Promise<Database> {
  if (options.databaseUrl) return createDatabase(options.databaseUrl, options.database);
  const embedded: EmbeddedServer = await startEmbeddedPostgres(options.dataDir, log);
  return createDatabase(embedded.url, options.database, {
    status: () => embedded.failure(),
    onClose: () => embedded.stop(),
  });
}
