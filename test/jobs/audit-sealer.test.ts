import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Database } from '../../src/store/database';
import { createDatabase } from '../../src/store/database';
import type { AuditEntry, RequestContext } from '../../src/kernel/request-context';
import { AuditTrail } from '../../src/audit/audit-trail';
import { sealLag, sealRound, verifyAuditLog } from '../../src/audit/audit-seal';
import { AuditSealerJob } from '../../src/jobs/audit-sealer-job';
import { createTestDatabase } from '../support/test-database';
import { caller } from '../security/security-test-support';
import { auditRowCount, sealAll } from '../audit/audit-support';
import { setTimeout as sleep } from 'node:timers/promises';

const gp = caller('gp', { ura: '90000011' });
const ctx = (requestId: string): RequestContext => ({ requestId, baseUrl: 'x', caller: gp });
const entry: AuditEntry = { action: 'R', interaction: 'read', outcome: 'success', caller: gp, entities: [] };
const sealedCount = async (db: Database) =>
  (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_seal')).rows[0].n;

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await sleep(25);
  }
}

describe('the audit sealer', () => {
  let db: Database;
  let audit: AuditTrail;
  beforeEach(async () => {
    db = await createTestDatabase();
    audit = new AuditTrail(db, { serviceId: 't' });
  });
  afterEach(() => db.close());

  it('seals in commit order: a row inserted first but committed last is sealed after it commits', async () => {
    const client = await db.pool.connect();
    const sealer = await db.pool.connect();
    try {
      // A write transaction draws its audit row's id first, and stays open.
      await client.query('BEGIN');
      await audit.record(client, ctx('slow'), { ...entry, action: 'U', interaction: 'update' });
      await audit.record(db.pool, ctx('fast-1'), entry);
      await audit.record(db.pool, ctx('fast-2'), entry);
      // Rows committed meanwhile are sealed, although an older transaction is still in flight.
      expect(await sealRound(sealer)).toBe(2);
      expect(await sealLag(db.pool)).toEqual({ count: 0, oldestMs: 0 });
      await client.query('COMMIT');
      expect((await sealLag(db.pool)).count).toBe(1);
      await audit.record(db.pool, ctx('fast-3'), entry);
      expect(await sealRound(sealer)).toBe(2);
      // A rolled-back transaction's row never appears.
      await client.query('BEGIN');
      await audit.record(client, ctx('undone'), entry);
      await client.query('ROLLBACK');
      expect(await sealRound(sealer)).toBe(0);
      expect(await verifyAuditLog(db.pool)).toEqual({ ok: true, checked: 4, unsealed: 0 });
      const order = await db.pool.query<{ r: string }>(
        `SELECT l.detail ->> 'r' AS r FROM audit_seal s JOIN audit_log l ON l.id = s.audit_id ORDER BY s.seq`,
      );
      expect(order.rows.map((r) => r.r)).toEqual(['fast-1', 'fast-2', 'slow', 'fast-3']);
    } finally {
      client.release();
      sealer.release();
    }
  });

  it('has one leader among several sealers, and a standby takes over when it stops', async () => {
    const url = (db.pool.options as { connectionString: string }).connectionString;
    const other = createDatabase(url);
    const a = new AuditSealerJob(db, { intervalMs: 50 });
    const b = new AuditSealerJob(other, { intervalMs: 50 });
    try {
      await Promise.all([a.tick(), b.tick()]);
      expect([a.leading, b.leading].filter(Boolean)).toHaveLength(1);
      const [leader, standby] = a.leading ? [a, b] : [b, a];
      await audit.record(db.pool, ctx('x'), entry);
      expect(await standby.tick()).toBe(0);
      expect(await leader.tick()).toBe(1);
      await leader.stop();
      await audit.record(db.pool, ctx('y'), entry);
      expect(await standby.tick()).toBe(1);
      expect(standby.leading).toBe(true);
      expect(await verifyAuditLog(db.pool)).toEqual({ ok: true, checked: 2, unsealed: 0 });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await other.close();
    }
  });

  it('resumes after the sealing process is killed (kill -9), losing nothing', async () => {
    const url = (db.pool.options as { connectionString: string }).connectionString;
    const child = spawn(
      process.execPath,
      ['-r', path.join(__dirname, '../support/ts-register.cjs'), path.join(__dirname, 'sealer-child.ts')],
      { env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('leading') && resolve());
        child.on('exit', (code) => reject(new Error(`the sealer child exited (${code})`)));
      });
      // Writes go on while the child seals, and while it is killed.
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing; i++) await audit.record(db.pool, ctx(`w${i}`), entry);
      })();
      await until(async () => (await sealedCount(db)) > 20, 10_000);
      child.kill('SIGKILL');
      await exited;
      await sleep(200);
      writing = false;
      await writer;
      // A standby (this process) becomes the leader once the killed session is gone, and seals the rest.
      const standby = new AuditSealerJob(db, { intervalMs: 50 });
      try {
        await until(async () => (await standby.tick()) >= 0 && standby.leading, 10_000);
        await standby.tick();
      } finally {
        await standby.stop();
      }
      const rows = await auditRowCount(db);
      expect(await verifyAuditLog(db.pool)).toEqual({ ok: true, checked: rows, unsealed: 0 });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('keeps the seal lag low under concurrent writes from two instances, with one chain', async () => {
    const url = (db.pool.options as { connectionString: string }).connectionString;
    const other = createDatabase(url);
    const otherAudit = new AuditTrail(other, { serviceId: 't2' });
    const jobs = [
      new AuditSealerJob(db, { intervalMs: 200 }),
      new AuditSealerJob(other, { intervalMs: 200 }),
    ];
    jobs.forEach((j) => j.start());
    let worst = 0;
    let writing = true;
    const write = async (trail: AuditTrail, d: Database, name: string) => {
      for (let i = 0; writing; i++) {
        if (i % 3)
          await Promise.all([
            trail.record(d.pool, ctx(`${name}${i}a`), entry),
            trail.record(d.pool, ctx(`${name}${i}b`), entry),
          ]);
        else await d.transaction((tx) => trail.record(tx, ctx(`${name}${i}`), { ...entry, action: 'U' }));
      }
    };
    try {
      const writers = [write(audit, db, 'a'), write(otherAudit, other, 'b')];
      const end = Date.now() + 3000;
      while (Date.now() < end) {
        worst = Math.max(worst, (await sealLag(db.pool)).oldestMs);
        await sleep(100);
      }
      writing = false;
      await Promise.all(writers);
      expect(jobs.filter((j) => j.leading)).toHaveLength(1);
      expect(worst).toBeLessThan(2000);
      await until(async () => (await sealLag(db.pool)).count === 0, 5000);
      const rows = await auditRowCount(db);
      expect(rows).toBeGreaterThan(100);
      expect(await verifyAuditLog(db.pool)).toEqual({ ok: true, checked: rows, unsealed: 0 });
    } finally {
      writing = false;
      await Promise.all(jobs.map((j) => j.stop()));
      await other.close();
    }
    // Nothing left for a later round either.
    expect(await sealAll(db)).toBe(0);
  });
});
