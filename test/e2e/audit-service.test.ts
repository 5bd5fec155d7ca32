import type { Bundle, Patient } from '@medplum/fhirtypes';
import { loadConfig } from '../../src/config';
import { startService, type RunningService } from '../../src/server';
import { sealLag, verifyAuditLog } from '../../src/audit/audit-seal';
import { createTestDatabaseUrl, requestToken, type Role } from '../support/test-server';
import { newFromExample } from '../support/fixtures';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One instance of the real service on `url` (several may share a database). */
async function instance(url: string): Promise<RunningService> {
  return startService(
    loadConfig({
      DATABASE_URL: url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      LOAD_DEMO_DATA: 'false',
      NODE_ENV: 'test',
      AUDIT_SEAL_INTERVAL_MS: '200',
    }),
  );
}

const auditRows = async (service: RunningService, where = 'true') =>
  (await service.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE ${where}`))
    .rows[0].n;

describe('the audit trail in the running service', () => {
  let a: RunningService;
  let b: RunningService;
  const tokens = new Map<string, string>();
  const call = async (s: RunningService, role: Role, path: string, init: RequestInit = {}) => {
    const key = `${s.url} ${role}`;
    if (!tokens.has(key)) tokens.set(key, await requestToken(s.url, role));
    const res = await fetch(`${s.baseUrl}/${path}`, {
      ...init,
      headers: {
        Authorization: `Bearer ${tokens.get(key)}`,
        'Content-Type': 'application/fhir+json',
        ...(init.headers as Record<string, string>),
      },
    });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> };
  };
  const create = (s: RunningService) =>
    call(s, 'admin', 'Patient', {
      method: 'POST',
      body: JSON.stringify(newFromExample('nl-core-Patient-01')),
    });

  beforeAll(async () => {
    const url = await createTestDatabaseUrl();
    a = await instance(url);
    b = await instance(url);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('a read writes exactly one audit row, durable before the response', async () => {
    const created = (await create(a)).body as unknown as Patient;
    const before = await auditRows(a);
    const read = await call(a, 'admin', `Patient/${created.id}`);
    expect(read.status).toBe(200);
    // Counted at once, on another connection: the row was committed before the answer left.
    expect(await auditRows(a)).toBe(before + 1);
    const found = await call(a, 'admin', `AuditEvent?entity=Patient/${created.id}&subtype=read&_count=5`);
    const events = ((found.body as unknown as Bundle).entry ?? []).map((e) => e.resource);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ resourceType: 'AuditEvent', action: 'R', outcome: '0' });
    const byId = await call(a, 'admin', `AuditEvent/${events[0]?.id}`);
    expect(byId.body).toEqual(events[0]);
  });

  it('AuditEvent search names a parameter it does not support (400)', async () => {
    const res = await call(a, 'admin', 'AuditEvent?site=x');
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/"expression":\["site"\]/);
  });

  it("a write's audit row commits or rolls back with the write", async () => {
    const creates = `action = 'C' AND outcome = 'success'`;
    const before = await auditRows(a, creates);
    expect((await create(a)).status).toBe(201);
    expect(await auditRows(a, creates)).toBe(before + 1);
    // A transaction whose second entry fails stores nothing, and audits no create, only the failure.
    const bad = { ...newFromExample<Patient>('nl-core-Patient-01'), birthDate: 'not a date' };
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: newFromExample('nl-core-Patient-01'), request: { method: 'POST', url: 'Patient' } },
        { resource: bad, request: { method: 'POST', url: 'Patient' } },
      ],
    };
    const failures = await auditRows(a, `outcome = 'failure'`);
    const res = await call(a, 'admin', '', { method: 'POST', body: JSON.stringify(bundle) });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await auditRows(a, creates)).toBe(before + 1);
    expect(await auditRows(a, `outcome = 'failure'`)).toBe(failures + 1);
  });

  it('while one client runs a long transaction, reads by others do not wait for it', async () => {
    const patient = (await create(b)).body as unknown as Patient;
    // Tokens first: their issue is not what is measured.
    await call(b, 'gp', `Patient/${patient.id}`);
    await call(a, 'admin', `Patient/${patient.id}`);
    const entries = Array.from({ length: 300 }, () => ({
      resource: newFromExample('nl-core-Patient-01'),
      request: { method: 'POST', url: 'Patient' },
    }));
    const started = Date.now();
    let done = 0;
    const long = call(a, 'admin', '', {
      method: 'POST',
      body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry: entries }),
    }).then((r) => {
      done = Date.now();
      return r;
    });
    await sleep(150);
    const latencies: number[] = [];
    while (!done) {
      const t = Date.now();
      expect((await call(b, 'gp', `Patient/${patient.id}`)).status).toBeLessThan(500);
      expect((await call(a, 'admin', `Patient/${patient.id}`)).status).toBe(200);
      latencies.push(Date.now() - t);
    }
    expect((await long).status).toBe(200);
    const took = done - started;
    // The bundle ran for a while; the reads meanwhile were answered as usual (before: each waited for the
    // whole bundle, behind the audit chain lock it held from its first statement).
    expect(took).toBeGreaterThan(500);
    expect(latencies.length).toBeGreaterThan(3);
    expect(Math.max(...latencies)).toBeLessThan(took / 2);
  });

  it('two instances: one sealer leads, every row is sealed within seconds, and the chain verifies', async () => {
    expect([a.jobs?.sealer.leading, b.jobs?.sealer.leading].filter(Boolean)).toHaveLength(1);
    let worst = 0;
    const end = Date.now() + 3000;
    const writers = [a, b].map(async (s) => {
      while (Date.now() < end) await Promise.all([create(s), call(s, 'admin', 'Patient?_count=1')]);
    });
    while (Date.now() < end) {
      worst = Math.max(worst, (await sealLag(a.db.pool)).oldestMs);
      await sleep(100);
    }
    await Promise.all(writers);
    expect(worst).toBeLessThan(3000);
    const deadline = Date.now() + 5000;
    while ((await sealLag(a.db.pool)).count > 0 && Date.now() < deadline) await sleep(50);
    const result = await verifyAuditLog(a.db.pool);
    expect(result).toMatchObject({ ok: true, unsealed: 0 });
    expect(result.checked).toBe(await auditRows(a));
  });
});
