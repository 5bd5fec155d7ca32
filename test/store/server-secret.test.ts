import type { Database } from '../../src/store/database';
import { serverSecret } from '../../src/store/server-secret';
import { createTestDatabase } from '../support/test-database';

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.close());

describe('serverSecret', () => {
  it('is generated once and then the same for every caller (every instance on the database)', async () => {
    const first = await Promise.all([serverSecret(db.pool, 'x'), serverSecret(db.pool, 'x')]);
    expect(first[0].length).toBe(32);
    expect(first[1].equals(first[0])).toBe(true);
    expect((await serverSecret(db.pool, 'x')).equals(first[0])).toBe(true);
    expect((await serverSecret(db.pool, 'y')).equals(first[0])).toBe(false);
  });
});
