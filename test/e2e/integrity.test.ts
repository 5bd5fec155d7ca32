import { randomUUID } from 'node:crypto';
import Client from 'fhir-kit-client';
import type { Bundle, Goal, OperationOutcome, Task } from '@medplum/fhirtypes';
import { startTestServer, type TestServer, expectOutcome } from '../support/test-server';
import { byDemoId, issuesAt, REJECTION_REASON, refused, resourcesOf } from './e2e-helpers';

/**
 * Integrity (issue 11), on the real server with the demo data: an unresolved urn:uuid in a transaction is a 400
 * and nothing is stored; a reference to a resource of this server that does not exist is a 422; a code that
 * claims one of the project's own CodeSystems must exist in it (also through $validate).
 */
let server: TestServer;
let admin: Client;

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  admin = await server.client('admin');
});
afterAll(() => server.close());

const MARKER = 'https://example.org/fhir/NamingSystem/integrity-test';

/** A copy of a demo resource without its server identity, with an identifier of its own. */
function copyOf<T extends Goal | Task>(resource: T, marker: string): T {
  const copy = structuredClone(resource);
  delete copy.id;
  delete copy.meta?.versionId;
  delete copy.meta?.lastUpdated;
  delete copy.text;
  copy.identifier = [{ system: MARKER, value: marker }];
  return copy;
}

async function countByMarker(resourceType: string, marker: string): Promise<number> {
  const bundle = (await admin.search({
    resourceType,
    searchParams: { identifier: `${MARKER}|${marker}` },
  })) as unknown as Bundle;
  return resourcesOf(bundle, resourceType, 'match').length;
}

describe('an unresolved urn:uuid reference in a Bundle', () => {
  it('is a 400 naming the entry and the element, and nothing of the transaction is stored', async () => {
    const marker = randomUUID();
    const goal = copyOf(await byDemoId<Goal>(admin, 'Goal', 'client-1-goal-1'), marker);
    const task = copyOf(await byDemoId<Task>(admin, 'Task', 'client-1-aanmelding-task'), marker);
    task.focus = { reference: `urn:uuid:${randomUUID()}`, type: 'ServiceRequest' };
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: `urn:uuid:${randomUUID()}`, resource: goal, request: { method: 'POST', url: 'Goal' } },
        { fullUrl: `urn:uuid:${randomUUID()}`, resource: task, request: { method: 'POST', url: 'Task' } },
      ],
    };
    const { status, data } = await refused(admin.transaction({ body: bundle as never }));
    expect(status).toBe(400);
    expectOutcome(
      data,
      'not-found',
      /Entry 1: reference "urn:uuid:.*" at Bundle\.entry\[1\]\.resource\.focus/,
    );
    expect(issuesAt(data, 'Bundle.entry[1].resource.focus')).toHaveLength(1);
    expect(await countByMarker('Task', marker)).toBe(0);
    expect(await countByMarker('Goal', marker)).toBe(0);
  });

  it('in a batch fails that entry with 400 and lets the others run', async () => {
    const marker = randomUUID();
    const goal = copyOf(await byDemoId<Goal>(admin, 'Goal', 'client-1-goal-1'), marker);
    const task = copyOf(await byDemoId<Task>(admin, 'Task', 'client-1-aanmelding-task'), marker);
    task.focus = { reference: `urn:uuid:${randomUUID()}`, type: 'ServiceRequest' };
    const response = (await admin.batch({
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { resource: task, request: { method: 'POST', url: 'Task' } },
          { resource: goal, request: { method: 'POST', url: 'Goal' } },
        ],
      } as never,
    })) as unknown as Bundle;
    expect(response.entry?.map((e) => e.response?.status)).toEqual(['400', '201 Created']);
    expect(issuesAt(response.entry?.[0].response?.outcome, 'Bundle.entry[0].resource.focus')).toHaveLength(1);
    expect(await countByMarker('Task', marker)).toBe(0);
  });
});

describe('referential integrity on write', () => {
  it('refuses Goal.subject = Patient/does-not-exist with 422, and accepts the existing subject', async () => {
    const marker = randomUUID();
    const goal = copyOf(await byDemoId<Goal>(admin, 'Goal', 'client-1-goal-1'), marker);
    const { status, data } = await refused(
      admin.create({
        resourceType: 'Goal',
        body: { ...goal, subject: { reference: 'Patient/does-not-exist' } },
      }),
    );
    expect(status).toBe(422);
    expectOutcome(data, 'not-found', /Patient\/does-not-exist.*does not exist/);
    expect(issuesAt(data, 'Goal.subject')).toHaveLength(1);
    expect(await countByMarker('Goal', marker)).toBe(0);
    const created = (await admin.create({ resourceType: 'Goal', body: goal })) as Goal;
    expect(created.id).toBeDefined();
  });

  it('refuses a reference to a deleted resource, in a transaction with the entry path', async () => {
    const marker = randomUUID();
    const goal = copyOf(await byDemoId<Goal>(admin, 'Goal', 'client-1-goal-1'), marker);
    const target = (await admin.create({ resourceType: 'Goal', body: copyOf(goal, randomUUID()) })) as Goal;
    await admin.delete({ resourceType: 'Goal', id: target.id as string });
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: {
            ...goal,
            addresses: undefined,
            outcomeReference: [{ reference: `Goal/${target.id}` }],
          } as Goal,
          request: { method: 'POST', url: 'Goal' },
        },
      ],
    };
    const { status, data } = await refused(admin.transaction({ body: bundle as never }));
    expect(status).toBe(422);
    expect(issuesAt(data, 'Bundle.entry[0].resource.outcomeReference[0]')).toHaveLength(1);
    expect(await countByMarker('Goal', marker)).toBe(0);
  });
});

describe("a code of the project's own CodeSystem", () => {
  const rejected = (task: Task, code: string): Task => ({
    ...task,
    status: 'rejected',
    statusReason: { coding: [{ system: REJECTION_REASON, code }], text: 'Geen plek' },
  });

  it('geen-plek in referral-rejection-reason is a 422 with the coding and the valid codes', async () => {
    const task = await byDemoId<Task>(admin, 'Task', 'client-1-aanmelding-task');
    const marker = randomUUID();
    const { status, data } = await refused(
      admin.create({ resourceType: 'Task', body: rejected(copyOf(task, marker), 'geen-plek') }),
    );
    expect(status).toBe(422);
    expectOutcome(
      data,
      'code-invalid',
      /'geen-plek' does not exist in the CodeSystem .*geen-bed-beschikbaar/,
    );
    expect(issuesAt(data, 'Task.statusReason.coding[0]').length).toBeGreaterThan(0);
    expect(await countByMarker('Task', marker)).toBe(0);
  });

  it('$validate reports it as an error issue', async () => {
    const task = await byDemoId<Task>(admin, 'Task', 'client-1-aanmelding-task');
    const outcome = (await admin.operation({
      name: '$validate',
      resourceType: 'Task',
      input: rejected(copyOf(task, randomUUID()), 'geen-plek'),
    })) as OperationOutcome;
    const hits = issuesAt(outcome, 'Task.statusReason.coding[0]').filter((i) => i.severity === 'error');
    expect(hits).toHaveLength(1);
    expect(hits[0].code).toBe('code-invalid');
  });
});
