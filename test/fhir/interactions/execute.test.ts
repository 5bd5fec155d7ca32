import type { Bundle, Organization } from '@medplum/fhirtypes';
import type { Executor } from '../../../src/fhir/interactions/execute';
import { startJobs, type Jobs } from '../../../src/jobs/worker';
import { RESOURCE_CHANGED } from '../../../src/jobs/outbox';
import type { ResourceChange } from '../../../src/fhir/ports';
import type { Database } from '../../../src/store/database';
import { createTestDatabase } from '../../support/test-database';
import { newFromExample } from '../../support/fixtures';
import {
  count,
  ctx,
  engineFor,
  patient,
  referralBundle,
  transactionRequest,
} from '../repository/repository-support';

const URA = 'http://fhir.nl/fhir/NamingSystem/ura';

/** The executor and the transaction Bundle processing, in process, on the real pg-boss outbox. */
describe('executor and transaction Bundles (in process)', () => {
  let db: Database;
  let jobs: Jobs;
  let executor: Executor;
  const consumed: ResourceChange[] = [];

  const outboxJobs = async () =>
    (
      await db.pool.query<{ data: ResourceChange }>(`SELECT data FROM pgboss.job WHERE name = $1`, [
        RESOURCE_CHANGED,
      ])
    ).rows.map((r) => r.data);

  beforeAll(async () => {
    db = await createTestDatabase();
    jobs = await startJobs(db, {
      sealIntervalMs: 1000,
      afterCommit: [async (change) => void consumed.push(change)],
    });
    executor = (await engineFor(db, { outbox: jobs.outbox })).executor;
    // The VVT and the MESO team the referral names by URA (conditional references).
    for (const ura of ['90000033', '90000022']) {
      const org = newFromExample<Organization>('nl-core-HealthcareProvider-Organization-01');
      delete org.text;
      org.identifier = [{ system: URA, value: ura }];
      await executor.execute(ctx, {
        kind: 'create',
        method: 'POST',
        resourceType: 'Organization',
        query: [],
        body: org,
        lenient: false,
      });
    }
  }, 60_000);
  afterAll(async () => {
    await jobs.stop();
    await db.close();
  });

  it('creates a resource through the executor and publishes one outbox job, consumed after commit', async () => {
    const response = await executor.execute(ctx, {
      kind: 'create',
      method: 'POST',
      resourceType: 'Patient',
      query: [],
      body: patient('999911211'),
      lenient: false,
    });
    expect(response.status).toBe(201);
    const id = (response.body as { id: string }).id;
    expect((await outboxJobs()).filter((j) => j.id === id)).toEqual([
      expect.objectContaining({
        resourceType: 'Patient',
        id,
        versionId: 1,
        interaction: 'create',
        requestId: ctx.requestId,
      }),
    ]);
    const end = Date.now() + 15_000;
    while (!consumed.some((c) => c.id === id) && Date.now() < end)
      await new Promise((r) => setTimeout(r, 100));
    expect(consumed.filter((c) => c.id === id)).toHaveLength(1);
  });

  it('stores a referral transaction atomically, with one outbox job per new version', async () => {
    const before = (await outboxJobs()).length;
    const response = await executor.execute(ctx, transactionRequest(referralBundle()));
    const entries = (response.body as Bundle).entry ?? [];
    expect(entries.map((e) => e.response?.status)).toEqual(['201 Created', '201 Created', '201 Created']);
    const ids = entries.map((e) => /\/([^/]+)\/_history\//.exec(e.response?.location ?? '')?.[1]);
    const published = (await outboxJobs()).filter((j) => ids.includes(j.id));
    expect(published.map((j) => `${j.resourceType} ${j.interaction} ${j.versionId}`).sort()).toEqual([
      'Patient create 1',
      'ServiceRequest create 1',
      'Task create 1',
    ]);
    // Posting it again creates nothing: the conditional creates match, and nothing is published.
    const again = await executor.execute(ctx, transactionRequest(referralBundle()));
    expect(((again.body as Bundle).entry ?? []).map((e) => e.response?.status)).toEqual([
      '200 OK',
      '200 OK',
      '200 OK',
    ]);
    expect((await outboxJobs()).length).toBe(before + 3);
  });

  it('searches again at create when another entry of the transaction writes the same type', async () => {
    // Two creates with the same ifNoneExist: the first creates, the second finds it (it was not there at first).
    const criteria = 'identifier=http://fhir.nl/fhir/NamingSystem/bsn|999911235';
    const entry = {
      resource: patient('999911235'),
      request: { method: 'POST' as const, url: 'Patient', ifNoneExist: criteria },
    };
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: [entry, { ...entry }] };
    const response = await executor.execute(ctx, transactionRequest(bundle));
    const entries = (response.body as Bundle).entry ?? [];
    expect(entries.map((e) => e.response?.status)).toEqual(['201 Created', '200 OK']);
    expect(entries[1].response?.location).toBe(entries[0].response?.location);
  });

  it('rolls back every entry of a transaction when one fails, and enqueues no outbox job', async () => {
    const [patients, tasks, jobsBefore] = [
      await count(db, 'Patient'),
      await count(db, 'Task'),
      (await outboxJobs()).length,
    ];
    const bundle = referralBundle();
    // A new referral, whose Task (the last entry, after the Patient and ServiceRequest are written) is invalid.
    const json = JSON.stringify(bundle)
      .replaceAll('999912033', '999911223')
      .replaceAll('AANM-2026-0042', 'AANM-2026-0099');
    const broken = JSON.parse(json) as Bundle;
    const task = broken.entry?.[2].resource as { status: string };
    task.status = 'not-a-status';
    await expect(executor.execute(ctx, transactionRequest(broken))).rejects.toMatchObject({ status: 422 });
    expect(await count(db, 'Patient')).toBe(patients);
    expect(await count(db, 'Task')).toBe(tasks);
    expect((await outboxJobs()).length).toBe(jobsBefore);
  });
});
