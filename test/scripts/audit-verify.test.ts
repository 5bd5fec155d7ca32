import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { auditVerify } from '../../scripts/audit-verify';
import { describeError, openExistingDatabase } from '../../src/store/existing-database';
import { startTestServer } from '../support/test-server';
import { sealLag } from '../../src/audit/audit-seal';

const tmp = (name: string) => path.join(os.tmpdir(), `meso-${name}-${process.pid}-${Date.now()}`);

describe('npm run audit:verify', () => {
  it('says there is no database at DATA_DIR, and does not create it', async () => {
    const dataDir = tmp('nothing');
    await expect(auditVerify({ DATA_DIR: dataDir })).rejects.toThrow(
      `no database at DATA_DIR=${dataDir}: nothing to open`,
    );
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it("uses the running service's embedded PostgreSQL instead of failing on its lock", async () => {
    // A data dir as the embedded PostgreSQL leaves it while it runs: PG_VERSION and a live postmaster.pid.
    const dataDir = tmp('running');
    const pg = path.join(dataDir, 'pg');
    fs.mkdirSync(pg, { recursive: true });
    fs.writeFileSync(path.join(pg, 'PG_VERSION'), '18\n');
    const port = new URL(process.env.TEST_DATABASE_URL as string).port;
    fs.writeFileSync(path.join(pg, 'postmaster.pid'), `${process.pid}\n${pg}\n0\n${port}\n/tmp\n*\n`);
    const lines: string[] = [];
    const db = await openExistingDatabase({ dataDir }, (line) => lines.push(line));
    try {
      expect((await db.pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
      expect(lines.join('\n')).toMatch(/embedded PostgreSQL \(pid \d+\) holds DATA_DIR=.*: using it/);
    } finally {
      await db.close();
      fs.rmSync(dataDir, { recursive: true });
    }
  });

  it('names an unreachable DATABASE_URL', async () => {
    await expect(auditVerify({ DATABASE_URL: 'postgres://u:p@127.0.0.1:1/x' })).rejects.toThrow(
      /cannot connect to DATABASE_URL 127.0.0.1:1: .*DATABASE_URL right/,
    );
  });

  it('verifies an intact chain', async () => {
    const server = await startTestServer();
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await fetch(`${server.baseUrl}/Patient`, {
        headers: { Authorization: await server.authHeader('admin') },
      });
      const url = (server.service.db.pool.options as { connectionString: string }).connectionString;
      // The service's sealer links the new records within about a second.
      const end = Date.now() + 5000;
      while ((await sealLag(server.service.db.pool)).count > 0 && Date.now() < end)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await auditVerify({ DATABASE_URL: url })).toBe(0);
      expect(stdout.mock.calls.map((c) => String(c[0])).join('')).toMatch(
        /audit chain intact: [1-9]\d* records verified, 0 not sealed yet/,
      );
    } finally {
      stdout.mockRestore();
      await server.close();
    }
  });

  it('never reports "undefined" as the reason', () => {
    expect(describeError(undefined)).not.toMatch(/^undefined$/);
    expect(describeError(new Error('x'))).toBe('x');
  });
});
