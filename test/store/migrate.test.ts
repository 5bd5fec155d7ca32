import { migrate } from '../../src/store/migrate';
import type { Database } from '../../src/store/database';
import { createTestDatabase } from '../support/test-database';

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.close());

describe('migrate', () => {
  it('has applied every migration once and applies nothing the second time', async () => {
    expect(await migrate(db)).toEqual([]);
    const applied = await db.pool.query('SELECT name FROM schema_migration ORDER BY name');
    expect(applied.rows[0].name).toBe('001-resources');
  });

  it('applies a new migration exactly once, even when two instances start together', async () => {
    const extra = [{ name: '999-test-table', sql: 'CREATE TABLE migrate_test (x int)' }];
    const results = await Promise.all([migrate(db, extra), migrate(db, extra)]);
    expect(results.flat()).toEqual(['999-test-table']);
  });
});
