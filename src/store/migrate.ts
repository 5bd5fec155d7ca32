import type { Database } from './database';
import { migrations as allMigrations } from './migrations';

// Any constant works; it serialises migrations when several instances start at once.
const MIGRATION_LOCK = 75132025;

/** Applies the migrations that have not run yet, in one transaction under an advisory lock. */
export async function migrate(db: Database, migrations = allMigrations): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migration (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set(
      (await tx.query<{ name: string }>('SELECT name FROM schema_migration')).rows.map((r) => r.name),
    );
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.name)) continue;
      await tx.query(migration.sql);
      await tx.query('INSERT INTO schema_migration (name) VALUES ($1)', [migration.name]);
      applied.push(migration.name);
    }
    return applied;
  });
}
