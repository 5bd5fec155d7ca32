import type { Database } from '../../../src/store/database';
import { unavailableError } from '../../../src/fhir/rest/error-response';
import { createTestDatabase } from '../../support/test-database';

/**
 * A transaction that loses a deadlock to a concurrent one (a MESO import and a referral acceptance locking one
 * patient's rows in the other order) is rolled back by PostgreSQL: the client gets a 409 saying to send it again,
 * not a 500.
 */
let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query('CREATE TABLE deadlock_probe (id int PRIMARY KEY)');
  await db.pool.query('INSERT INTO deadlock_probe VALUES (1), (2)');
});
afterAll(() => db.close());

/** Locks row `first`, waits until the other transaction holds its row, then asks for `second`. */
function locker(first: number, second: number, bothHold: Promise<unknown>, held: () => void) {
  return db.transaction(async (tx) => {
    await tx.query('SELECT id FROM deadlock_probe WHERE id = $1 FOR UPDATE', [first]);
    held();
    await bothHold;
    await tx.query('SELECT id FROM deadlock_probe WHERE id = $1 FOR UPDATE', [second]);
  });
}

it('a deadlock victim gets 409 conflict with what to do; the winner commits', async () => {
  let release!: () => void;
  let count = 0;
  const bothHold = new Promise<void>((resolve) => (release = resolve));
  const held = () => {
    if (++count === 2) release();
  };
  const results = await Promise.allSettled([locker(1, 2, bothHold, held), locker(2, 1, bothHold, held)]);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  expect(failed).toHaveLength(1);
  expect((failed[0].reason as { code?: string }).code).toBe('40P01');
  const answer = unavailableError(failed[0].reason);
  expect(answer?.status).toBe(409);
  expect(answer?.issues[0]).toEqual(
    expect.objectContaining({
      code: 'conflict',
      diagnostics: expect.stringMatching(/^Nothing was stored: .*deadlock detected.*Send it again/),
    }),
  );
});
