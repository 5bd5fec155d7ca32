import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded-postgres';

/** Anything that runs a query: the pool, or a client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

export interface Database {
  pool: pg.Pool;
  /** Runs `fn` in one database transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// jsonb columns come back parsed; bigint (int8) version ids fit in a JS number for any realistic history.
pg.types.setTypeParser(20, (value: string) => Number(value));

export function createDatabase(url: string, onClose?: () => Promise<void>): Database {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => undefined);
  return {
    pool,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
      if (onClose) await onClose();
    },
  };
}

/** Connects to DATABASE_URL when given; otherwise starts the embedded PostgreSQL in `dataDir`. */
export async function openDatabase(options: { databaseUrl?: string; dataDir: string }): Promise<Database> {
  if (options.databaseUrl) return createDatabase(options.databaseUrl);
  const embedded: EmbeddedServer = await startEmbeddedPostgres(options.dataDir);
  return createDatabase(embedded.url, () => embedded.stop());
}
