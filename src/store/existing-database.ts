import fs from 'node:fs';
import path from 'node:path';
import { createDatabase, openDatabase, type Database } from './database';

/** A tool cannot open the database: the message says what is wrong and what to do. */
export class DatabaseUnavailable extends Error {}

/** The embedded PostgreSQL running on `databaseDir`, from its postmaster.pid (pid, data dir, start, port, …). */
function runningServer(databaseDir: string): { pid: number; port: number } | undefined {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return undefined;
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  try {
    process.kill(pid, 0);
  } catch {
    return undefined; // stale: left by a crash
  }
  return Number.isInteger(port) && port > 0 ? { pid, port } : undefined;
}

async function checked(db: Database, where: string, hint: string): Promise<Database> {
  try {
    await db.pool.query('SELECT 1');
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    throw new DatabaseUnavailable(`cannot connect to ${where}: ${(err as Error).message}; ${hint}`);
  }
}

/**
 * The service's existing database, for tools (audit:verify, token --offline). Unlike the service it never creates
 * anything: DATABASE_URL when set; else the embedded PostgreSQL in `dataDir`, reached while the service runs it,
 * or started for the tool when it does not run.
 */
export async function openExistingDatabase(
  options: { databaseUrl?: string; dataDir: string },
  log: (line: string) => void = () => undefined,
): Promise<Database> {
  if (options.databaseUrl) {
    const where = `DATABASE_URL ${new URL(options.databaseUrl).host}`;
    return checked(createDatabase(options.databaseUrl), where, 'is the database up and DATABASE_URL right?');
  }
  const databaseDir = path.join(options.dataDir, 'pg');
  if (!fs.existsSync(path.join(databaseDir, 'PG_VERSION')))
    throw new DatabaseUnavailable(
      `no database at DATA_DIR=${options.dataDir}: nothing to open; set DATA_DIR to the service's data directory, or DATABASE_URL`,
    );
  const running = runningServer(databaseDir);
  if (running) {
    log(`the service's embedded PostgreSQL (pid ${running.pid}) holds DATA_DIR=${options.dataDir}: using it`);
    const url = `postgres://postgres:postgres@127.0.0.1:${running.port}/postgres`;
    return checked(
      createDatabase(url),
      `the running embedded PostgreSQL on port ${running.port}`,
      'stop the service and try again, or set DATABASE_URL',
    );
  }
  log(`starting the embedded PostgreSQL in DATA_DIR=${options.dataDir}`);
  try {
    return await openDatabase(options);
  } catch (err) {
    throw new DatabaseUnavailable(
      `could not start the embedded PostgreSQL in DATA_DIR=${options.dataDir}: ${describeError(err)}; is another process using it?`,
    );
  }
}

/** An error as one readable line: never "undefined". */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (err === undefined || err === null) return 'unknown error (nothing was thrown with it)';
  return typeof err === 'string' ? err : JSON.stringify(err);
}
