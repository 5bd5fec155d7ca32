import { createDatabase, DEFAULT_DATABASE_SETTINGS, type Database } from '../../src/store/database';
import { classifyDatabaseError } from '../../src/store/database-errors';
import { DeadlineExceeded, runCancellable } from '../../src/kernel/cancellation';
import { createTestDatabaseUrl } from '../support/test-server';
import { freePort } from '../../src/store/embedded-postgres';
import { setTimeout as sleep } from 'node:timers/promises';

let url: string;
let db: Database;

beforeAll(async () => {
  url = await createTestDatabaseUrl();
  db = createDatabase(url);
  await db.pool.query('CREATE TABLE probe (x int)');
});

afterAll(() => db.close());

beforeEach(() => db.pool.query('DELETE FROM probe'));

const count = async () =>
  (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM probe')).rows[0].n;

describe('Database.transaction and lost connections (issue 8 §3)', () => {
  it('a connection terminated inside a transaction is no uncaught error event; the pool goes on', async () => {
    // Before: the checked-out client had no 'error' listener, and this killed the process.
    const result = db.transaction(async (tx) => {
      const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await db.pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      await sleep(200);
      await tx.query('INSERT INTO probe VALUES (1)');
    });
    const err = await result.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(classifyDatabaseError(err)?.kind).toBe('unavailable');
    expect(await count()).toBe(0);
    // The dead client was discarded, not handed out again.
    for (let i = 0; i < 12; i++) await db.transaction((tx) => tx.query('INSERT INTO probe VALUES (2)'));
    expect(await count()).toBe(12);
  });

  it('a statement longer than DB_STATEMENT_TIMEOUT_MS is cancelled by the server', async () => {
    const short = createDatabase(url, { ...DEFAULT_DATABASE_SETTINGS, statementTimeoutMs: 200 });
    try {
      const err = await short.pool.query('SELECT pg_sleep(5)').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(classifyDatabaseError(err)).toEqual(expect.objectContaining({ kind: 'timeout', broken: false }));
    } finally {
      await short.close();
    }
  });
});

describe('Database.transaction under a cancelled request (REQUEST_DEADLINE_MS)', () => {
  it('cancels the running statement and rolls back', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const work = runCancellable(controller.signal, () =>
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO probe VALUES (1)');
        await tx.query('SELECT pg_sleep(10)');
      }),
    );
    setTimeout(() => controller.abort(new DeadlineExceeded(300)), 300);
    const err = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(classifyDatabaseError(err)?.kind).toBe('timeout');
    expect(await count()).toBe(0);
  });

  it('does not commit work finished after the deadline passed', async () => {
    const controller = new AbortController();
    const work = runCancellable(controller.signal, () =>
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO probe VALUES (1)');
        controller.abort(new DeadlineExceeded(1));
      }),
    );
    await expect(work).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(await count()).toBe(0);
  });

  it('starts no transaction once cancelled', async () => {
    const controller = new AbortController();
    controller.abort(new DeadlineExceeded(1));
    const fn = jest.fn();
    await expect(runCancellable(controller.signal, () => db.transaction(fn))).rejects.toBeInstanceOf(
      DeadlineExceeded,
    );
    expect(fn).not.toHaveBeenCalled();
  });
});

describe('Database.check (readiness)', () => {
  it('is undefined while the database answers', async () => {
    expect(await db.check(2000)).toBeUndefined();
  });

  it('says why not when the database cannot be reached', async () => {
    const port = await freePort();
    const down = createDatabase(`postgres://postgres:postgres@127.0.0.1:${port}/postgres`);
    try {
      expect(await down.check(2000)).toMatch(/cannot be reached \(ECONNREFUSED\)/);
    } finally {
      await down.close();
    }
  });
});
