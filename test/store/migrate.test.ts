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

  it('admits the behandelnetwerk and the CTV as client organisation kinds (011), nothing unknown', async () => {
    const insert = (id: string, kind: string) =>
      db.pool.query(
        `INSERT INTO client (client_id, name, organization_kind, organization_name, jwks, scopes)
         VALUES ($1, 'x', $2, 'x', '{"keys": []}', '{}')`,
        [id, kind],
      );
    await insert('migrate-bn', 'behandelnetwerk');
    await insert('migrate-ctv', 'ctv');
    await expect(insert('migrate-hospital', 'hospital')).rejects.toThrow(/organization_kind_check/);
    await db.pool.query(`DELETE FROM client WHERE client_id LIKE 'migrate-%'`);
  });
});
