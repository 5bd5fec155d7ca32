import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createDatabase, type Database } from '../../src/store/database';
import { migrate } from '../../src/store/migrate';

/**
 * A fresh, migrated database inside the one embedded PostgreSQL that jest's globalSetup started, so that test
 * files running in parallel never see each other's rows. Nothing is dropped: the server is thrown away at the end.
 */
export async function createTestDatabase(): Promise<Database> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl)
    throw new Error(
      'TEST_DATABASE_URL is not set: run the tests through jest (test/support/global-setup.mjs)',
    );
  const name = `test_${randomUUID().replace(/-/g, '')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // The name is generated above (hex only), so interpolating it is safe; CREATE DATABASE takes no parameters.
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = createDatabase(url.toString());
  await migrate(db);
  return db;
}
