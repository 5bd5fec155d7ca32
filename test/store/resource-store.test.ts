import type { Database } from '../../src/store/database';
import { resourceStore, type StoredVersion } from '../../src/store/resource-store';
import { createTestDatabase } from '../support/test-database';

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.close());

function version(id: string, versionId: number, deleted = false): StoredVersion {
  return {
    resourceType: 'Patient',
    id,
    versionId,
    lastUpdated: new Date(Date.UTC(2026, 0, versionId)).toISOString(),
    deleted,
    method: deleted ? 'DELETE' : versionId === 1 ? 'POST' : 'PUT',
    resource: deleted ? undefined : { resourceType: 'Patient', id, meta: { versionId: String(versionId) } },
  };
}

describe('resourceStore', () => {
  it('keeps every version and makes the newest current', async () => {
    await db.transaction(async (tx) => {
      await resourceStore.write(tx, version('a', 1));
      await resourceStore.write(tx, version('a', 2));
    });
    const current = await resourceStore.current(db.pool, 'Patient', 'a');
    expect(current?.versionId).toBe(2);
    expect((await resourceStore.version(db.pool, 'Patient', 'a', 1))?.resource?.meta?.versionId).toBe('1');
    expect(await resourceStore.version(db.pool, 'Patient', 'a', 3)).toBeUndefined();
    // Beyond the integer column: no such version, rather than a PostgreSQL "out of range" error.
    expect(await resourceStore.version(db.pool, 'Patient', 'a', 99_999_999_999)).toBeUndefined();
    expect(await resourceStore.version(db.pool, 'Patient', 'a', 1.5)).toBeUndefined();
  });

  it('keeps a delete marker as the current version', async () => {
    await db.transaction(async (tx) => {
      await resourceStore.write(tx, version('b', 1));
      await resourceStore.write(tx, version('b', 2, true));
    });
    const current = await resourceStore.current(db.pool, 'Patient', 'b');
    expect(current?.deleted).toBe(true);
    expect(current?.resource).toBeUndefined();
    expect(await resourceStore.currentMany(db.pool, [{ resourceType: 'Patient', id: 'b' }])).toEqual([]);
  });

  it('rolls a transaction back completely when it fails', async () => {
    await expect(
      db.transaction(async (tx) => {
        await resourceStore.write(tx, version('c', 1));
        await resourceStore.write(tx, version('c', 1)); // duplicate version: primary key violation
      }),
    ).rejects.toThrow();
    expect(await resourceStore.current(db.pool, 'Patient', 'c')).toBeUndefined();
  });

  it('pages history newest first by sequence, stable while new versions arrive', async () => {
    await db.transaction(async (tx) => {
      for (let v = 1; v <= 5; v++) await resourceStore.write(tx, version('h', v));
    });
    const first = await resourceStore.history(db.pool, {
      resourceType: 'Patient',
      id: 'h',
      count: 2,
      total: true,
    });
    expect(first.total).toBe(5);
    expect(first.versions.map((v) => v.versionId)).toEqual([5, 4]);
    await db.transaction((tx) => resourceStore.write(tx, version('h', 6)));
    const second = await resourceStore.history(db.pool, {
      resourceType: 'Patient',
      id: 'h',
      count: 2,
      beforeSeq: first.nextBeforeSeq,
    });
    expect(second.versions.map((v) => v.versionId)).toEqual([3, 2]);
    const since = await resourceStore.history(db.pool, {
      resourceType: 'Patient',
      id: 'h',
      count: 10,
      since: version('h', 5).lastUpdated,
    });
    expect(since.versions.map((v) => v.versionId)).toEqual([6, 5]);
  });
});
