import fs from 'node:fs';
import type { Bundle, Resource, Task } from '@medplum/fhirtypes';
import { projectPath } from '../../../src/project-root';
import type { Executor } from '../../../src/fhir/interactions/execute';
import type { FhirRequest } from '../../../src/fhir/interactions/fhir-request';
import { referralTaskRules } from '../../../src/fhir/referral/task-workflow';
import { AccessPolicy } from '../../../src/security/access-policy';
import { resourceStore } from '../../../src/store/resource-store';
import type { Database } from '../../../src/store/database';
import type { RequestContext } from '../../../src/kernel/request-context';
import { FhirError } from '../../../src/kernel/outcome';
import { createTestDatabase } from '../../support/test-database';
import { caller } from '../../security/security-test-support';
import {
  ctx as systemCtx,
  engineFor,
  referralBundle,
  transactionRequest,
} from '../repository/repository-support';

const URA = 'http://fhir.nl/fhir/NamingSystem/ura';
const policy = new AccessPolicy({ partyCacheMs: 0 });
const as = (kind: 'vvt' | 'meso-team', ura: string): RequestContext => ({
  ...systemCtx,
  caller: caller(kind, { ura }),
});
const owner = as('meso-team', '90000022');
const requester = as('vvt', '90000033');
const otherTeam = as('meso-team', '90000044');

let db: Database;
let executor: Executor;
let serial = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  const rules = referralTaskRules((q, c) => policy.partyOf(q, c));
  executor = (await engineFor(db, { beforeStore: [rules], access: policy })).executor;
  // The referral's two organisations, as the demo data has them (its references are conditional on the URA).
  for (const name of ['meso-demo-org-meso', 'meso-demo-org-vvt']) {
    const org = JSON.parse(
      fs.readFileSync(projectPath('examples', 'fixtures', `Organization-${name}.json`), 'utf8'),
    );
    await executor.repository.create(systemCtx, org as Resource, { assignedId: name });
  }
}, 60_000);
afterAll(() => db.close());

/** The VVT's referral of examples/http, its requester and owner by URA only, stored by the system. */
async function newReferral(): Promise<Task> {
  const bundle = referralBundle();
  const n = ++serial;
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource as Task;
    // The Task names both sides by URA only: the rules match the caller by identifier as by reference.
    if (r.resourceType === 'Task') {
      r.requester = { identifier: { system: URA, value: '90000033' } };
      r.owner = { identifier: { system: URA, value: '90000022' } };
    }
    if ((r as Resource).resourceType !== 'Patient' && r.identifier)
      r.identifier = r.identifier.map((i) => ({ ...i, value: `${i.value}-${n}` }));
    if (entry.request?.ifNoneExist && entry.request.url !== 'Patient') delete entry.request.ifNoneExist;
  }
  const response = await executor.execute(systemCtx, transactionRequest(bundle));
  const locations = (response.body as Bundle).entry?.map((e) => e.response?.location ?? '') ?? [];
  const id = locations.map((l) => /(?:^|\/)Task\/([^/]+)/.exec(l)?.[1]).find(Boolean) as string;
  return (await executor.repository.read(systemCtx, 'Task', id)).resource as Task;
}

const update = (ctx: RequestContext, task: Task, changes: Partial<Task>, ifMatch?: string) =>
  executor.execute(ctx, {
    kind: 'update',
    method: 'PUT',
    resourceType: 'Task',
    id: task.id,
    query: [],
    body: { ...task, ...changes } as Task,
    ifMatch: ifMatch ?? `W/"${task.meta?.versionId}"`,
    lenient: false,
  } satisfies FhirRequest);

const statusOf = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (err: unknown) => (err instanceof FhirError ? err.status : Promise.reject(err)),
  );

async function received(): Promise<Task> {
  const task = await newReferral();
  const res = await update(owner, task, { status: 'received' });
  return res.body as Task;
}

describe('the referral Task workflow in the write transaction (real database)', () => {
  it('lets the owner move the referral along and the requester cancel it', async () => {
    const task = await received();
    expect(task.meta?.versionId).toBe('2');
    const accepted = (await update(owner, task, { status: 'accepted' })).body as Task;
    expect(accepted.status).toBe('accepted');
    const cancelled = (await update(requester, accepted, { status: 'cancelled' })).body as Task;
    expect(cancelled.status).toBe('cancelled');
    // Final: nothing moves it any more, not even its owner.
    await expect(update(owner, cancelled, { status: 'in-progress' })).rejects.toMatchObject({
      status: 422,
      issues: [
        expect.objectContaining({
          expression: ['Task.status'],
          diagnostics: expect.stringMatching(/is final/),
        }),
      ],
    });
  });

  it('refuses a status change by an organisation that is neither owner nor requester (403)', async () => {
    const task = await received();
    // Another MESO team: not this referral's owner or requester.
    await expect(update(otherTeam, task, { status: 'accepted' })).rejects.toMatchObject({ status: 403 });
  });

  it('refuses an update without If-Match (428) and a stale one (412), storing nothing', async () => {
    const task = await received();
    const without = executor.execute(owner, {
      kind: 'update',
      method: 'PUT',
      resourceType: 'Task',
      id: task.id,
      query: [],
      body: { ...task, status: 'accepted' },
      lenient: false,
    });
    expect(await statusOf(without)).toBe(428);
    expect(await statusOf(update(owner, task, { status: 'accepted' }, 'W/"1"'))).toBe(412);
    const stored = await resourceStore.current(db.pool, 'Task', task.id as string);
    expect(stored?.versionId).toBe(2);
  });

  it('of two acceptors waiting on the same row lock, exactly one wins', async () => {
    const task = await received();
    // Hold the row, so that both updates are in flight and queue on its lock before either checks the version.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const holder = db.transaction(async (tx) => {
      await resourceStore.current(tx, 'Task', task.id as string, true);
      locked();
      await held;
    });
    await isLocked;
    const racing = [
      statusOf(update(owner, task, { status: 'accepted' })),
      statusOf(
        update(owner, task, {
          status: 'rejected',
          statusReason: {
            coding: [
              {
                system: 'https://meso-zorg.nl/fhir/CodeSystem/referral-rejection-reason',
                code: 'geen-bed-beschikbaar',
              },
            ],
          },
        }),
      ),
    ];
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await holder;
    expect((await Promise.all(racing)).sort()).toEqual([200, 412]);
    const stored = await resourceStore.current(db.pool, 'Task', task.id as string);
    expect(stored?.versionId).toBe(3);
  });

  it('PATCH applies to the current version and then follows the rules of PUT', async () => {
    const task = await received();
    const patch = (ctx: RequestContext, ops: unknown[], ifMatch?: string) =>
      executor.execute(ctx, {
        kind: 'patch',
        method: 'PATCH',
        resourceType: 'Task',
        id: task.id,
        query: [],
        patch: ops,
        ifMatch,
        lenient: false,
      });
    const accept = [{ op: 'replace', path: '/status', value: 'accepted' }];
    expect(await statusOf(patch(owner, accept))).toBe(428);
    expect(await statusOf(patch(requester, accept, 'W/"2"'))).toBe(403);
    await expect(
      patch(owner, [{ op: 'replace', path: '/focus/reference', value: 'ServiceRequest/x' }], 'W/"2"'),
    ).rejects.toMatchObject({
      status: 422,
      issues: [expect.objectContaining({ expression: ['Task.focus'] })],
    });
    const res = await patch(owner, accept, 'W/"2"');
    expect((res.body as Task).status).toBe('accepted');
    expect((res.body as Task).meta?.versionId).toBe('3');
  });

  it('governs a PUT entry of a transaction the same way (428 without request.ifMatch)', async () => {
    const task = await received();
    const entry = (ifMatch?: string) => ({
      resource: { ...task, status: 'accepted' } as Task,
      request: { method: 'PUT' as const, url: `Task/${task.id}`, ...(ifMatch ? { ifMatch } : {}) },
    });
    const bundle = (ifMatch?: string): Bundle => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [entry(ifMatch)],
    });
    expect(await statusOf(executor.execute(owner, transactionRequest(bundle())))).toBe(428);
    await executor.execute(owner, transactionRequest(bundle('W/"2"')));
    const stored = await resourceStore.current(db.pool, 'Task', task.id as string);
    expect((stored?.resource as Task).status).toBe('accepted');
  });

  it('does not govern the server’s own writes (the MESO document import): no If-Match needed there', async () => {
    const task = await received();
    const result = await executor.repository.update(owner, 'Task', task.id as string, {
      ...task,
      status: 'accepted',
    });
    expect(result.version.versionId).toBe(3);
  });
});
