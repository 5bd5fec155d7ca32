import type { Queryable } from './database';

/**
 * The job queue's SQL runs on a client of ours when it must share a transaction (pg-boss's `db` option): the
 * outbox rows of a write commit or roll back with it. pg-boss writes the statements; this only carries them.
 */
export function jobExecutor(q: Queryable): {
  executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }>;
} {
  return { executeSql: (text, values) => q.query(text, values) };
}
