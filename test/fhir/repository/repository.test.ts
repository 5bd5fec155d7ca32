import type { Patient } from '@medplum/fhirtypes';
import type { FhirRepository } from '../../../src/fhir/repository';
import type { BeforeStoreChange } from '../../../src/fhir/repository';
import { FhirError, issue } from '../../../src/kernel/outcome';
import type { Database } from '../../../src/store/database';
import { createTestDatabase } from '../../support/test-database';
import { count, countTransactions, ctx, engineFor, patient, TableOutbox } from './repository-support';

describe('the write pipeline (FhirRepository, in process)', () => {
  let db: Database;
  let repo: FhirRepository;
  let outbox: TableOutbox;
  const seen: BeforeStoreChange[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    outbox = new TableOutbox(db);
    await outbox.init();
    // An immutable-field rule, as a beforeStore hook: a Patient's BSN never changes.
    const immutableBsn = (change: BeforeStoreChange) => {
      seen.push(change);
      const bsn = (p?: unknown) => (p as Patient | undefined)?.identifier?.[0]?.value;
      if (change.interaction === 'update' && change.resource?.resourceType === 'Patient')
        if (bsn(change.previous) !== bsn(change.resource))
          throw new FhirError(422, [
            issue('business-rule', 'The BSN of a Patient cannot change', 'Patient.identifier'),
          ]);
    };
    repo = (await engineFor(db, { outbox, beforeStore: [immutableBsn] })).executor.repository;
  }, 60_000);
  afterAll(() => db.close());

  it('creates, updates and deletes, stamping meta inside the transaction and publishing each version', async () => {
    const created = await repo.create(ctx, patient('999911120'));
    expect(created.status).toBe(201);
    const stored = created.version.resource as Patient;
    expect(stored.meta?.versionId).toBe('1');
    expect(stored.meta?.lastUpdated).toBe(created.version.lastUpdated);
    expect(stored.meta?.lastUpdated).not.toBe('1970-01-01T00:00:00.000Z');
    expect(stored.text?.status).toBe('generated');
    const id = created.version.id;
    const updated = await repo.update(ctx, 'Patient', id, { ...stored, active: false }, { ifMatch: 'W/"1"' });
    expect(updated.version.versionId).toBe(2);
    expect((await repo.read(ctx, 'Patient', id)).resource).toMatchObject({
      active: false,
      meta: { versionId: '2' },
    });
    // The index rows were computed before the transaction, from the same content: search finds the new version.
    expect(
      (
        await repo.findMatches('Patient', [['identifier', 'http://fhir.nl/fhir/NamingSystem/bsn|999911120']])
      ).map((p) => p.id),
    ).toEqual([id]);
    await repo.delete(ctx, 'Patient', id);
    await expect(repo.read(ctx, 'Patient', id)).rejects.toMatchObject({ status: 410 });
    const changes = (await outbox.changes()).filter((c) => c.id === id);
    expect(changes.map((c) => [c.interaction, c.versionId])).toEqual([
      ['create', 1],
      ['update', 2],
      ['delete', 3],
    ]);
    expect(changes[0]).toMatchObject({
      resourceType: 'Patient',
      requestId: ctx.requestId,
      lastUpdated: created.version.lastUpdated,
    });
    expect(
      seen.filter((c) => c.resource?.id === id || c.previous?.id === id).map((c) => c.interaction),
    ).toEqual(['create', 'update', 'delete']);
  });

  it('conditional create matches an existing resource instead of storing a second one', async () => {
    const first = await repo.create(ctx, patient('999911132'), {
      ifNoneExist: `identifier=${encodeURIComponent('http://fhir.nl/fhir/NamingSystem/bsn|999911132')}`,
    });
    const again = await repo.create(ctx, patient('999911132'), {
      ifNoneExist: `identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911132`,
    });
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.version.id).toBe(first.version.id);
    expect((await outbox.changes()).filter((c) => c.id === first.version.id)).toHaveLength(1);
  });

  it('refuses an invalid resource with 422 before any transaction is opened', async () => {
    const before = await count(db, 'Patient');
    const transactions = countTransactions(db);
    const connects = jest.spyOn(db.pool, 'connect');
    try {
      const invalid = { ...patient('999911144'), gender: 'sometimes' } as unknown as Patient;
      await expect(repo.create(ctx, invalid)).rejects.toMatchObject({ status: 422 });
      await expect(repo.update(ctx, 'Patient', 'no-such-patient', invalid)).rejects.toMatchObject({
        status: 422,
      });
      expect(transactions.opened).toBe(0);
      expect(connects).not.toHaveBeenCalled();
    } finally {
      transactions.restore();
      connects.mockRestore();
    }
    expect(await count(db, 'Patient')).toBe(before);
  });

  it('lets a beforeStore hook refuse a change: nothing is stored and nothing published', async () => {
    const created = await repo.create(ctx, patient('999911156'));
    const id = created.version.id;
    const published = (await outbox.changes()).length;
    const changed = {
      ...(created.version.resource as Patient),
      identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911168' }],
    };
    const refused = repo.update(ctx, 'Patient', id, changed);
    await expect(refused).rejects.toMatchObject({ status: 422 });
    await expect(refused).rejects.toThrow(/BSN of a Patient cannot change/);
    const current = await repo.read(ctx, 'Patient', id);
    expect(current.versionId).toBe(1);
    const versions = await db.pool.query('SELECT 1 FROM resource_version WHERE id = $1', [id]);
    expect(versions.rowCount).toBe(1);
    expect((await outbox.changes()).length).toBe(published);
  });

  it('withTransaction binds one transaction: nested calls reuse it, and a failure rolls back every write', async () => {
    const before = await count(db, 'Patient');
    const published = (await outbox.changes()).length;
    const transactions = countTransactions(db);
    try {
      await expect(
        repo.withTransaction(async (tx) => {
          await tx.create(ctx, patient('999911193'));
          await tx.withTransaction((inner) => inner.create(ctx, patient('999911181')));
          // Reads on the bound repository see its own writes.
          expect((await tx.findMatches('Patient', [['identifier', '999911181']])).length).toBe(1);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(transactions.opened).toBe(1);
    } finally {
      transactions.restore();
    }
    expect(await count(db, 'Patient')).toBe(before);
    expect((await outbox.changes()).length).toBe(published);
  });
});
