import Client from 'fhir-kit-client';
import type { Organization, Task } from '@medplum/fhirtypes';
import { startTestServer, type TestServer, expectOutcome } from '../support/test-server';
import {
  REJECTION_REASON,
  URA,
  byDemoId,
  byIdentifier,
  issuesAt,
  refOf,
  refused,
  statusOf,
} from './e2e-helpers';

/**
 * The referral Task workflow (issue 11) on the real server: the MESO team (the owner) moves a referral along with
 * If-Match, the VVT (the requester) may only cancel it, and neither changes what was asked.
 */
let server: TestServer;
let vvt: Client;
let meso: Client;
let admin: Client;
let vvtOrg: Organization;
let mesoOrg: Organization;
let template: Task;
let serial = 0;

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  [vvt, meso, admin] = await Promise.all([
    server.client('vvt'),
    server.client('meso-team'),
    server.client('admin'),
  ]);
  vvtOrg = await byIdentifier<Organization>(admin, 'Organization', URA, '90000033');
  mesoOrg = await byIdentifier<Organization>(admin, 'Organization', URA, '90000022');
  template = await byDemoId<Task>(admin, 'Task', 'client-2-aanmelding-task');
});
afterAll(() => server.close());

/** A new aanmelding from the VVT to the MESO team, in status `requested` (stored by the admin). */
async function newReferral(): Promise<Task> {
  const { id: _id, meta: _meta, text: _text, statusReason: _reason, lastModified: _lm, ...task } = template;
  return (await admin.create({
    resourceType: 'Task',
    body: {
      ...task,
      meta: template.meta?.profile ? { profile: template.meta.profile } : undefined,
      identifier: [{ system: 'https://drentse-erf.example.nl/aanmelding', value: `W-${++serial}` }],
      status: 'requested',
      requester: {
        reference: refOf(vvtOrg),
        type: 'Organization',
        identifier: { system: URA, value: '90000033' },
      },
      owner: {
        reference: refOf(mesoOrg),
        type: 'Organization',
        identifier: { system: URA, value: '90000022' },
      },
    } as never,
  })) as unknown as Task;
}

const ifMatch = (task: Task) => ({ headers: { 'If-Match': `W/"${task.meta?.versionId}"` } });

function put(client: Client, task: Task, changes: Partial<Task>, options = ifMatch(task)): Promise<Task> {
  const body = { ...task, ...changes };
  return client.update({
    resourceType: 'Task',
    id: task.id as string,
    body: body as never,
    options,
  }) as never;
}

/** The referral taken to `received` by its owner. */
async function received(): Promise<Task> {
  return put(meso, await newReferral(), { status: 'received' });
}

describe('the owner moves a referral along', () => {
  it('accepts with If-Match (200), each step a new version', async () => {
    const task = await received();
    expect(task.meta?.versionId).toBe('2');
    const accepted = await put(meso, task, { status: 'accepted' });
    expect(statusOf(accepted)).toBe(200);
    expect(accepted.status).toBe('accepted');
    expect(accepted.meta?.versionId).toBe('3');
    const started = await put(meso, accepted, { status: 'in-progress', note: [{ text: 'Intake gepland' }] });
    expect(started.status).toBe('in-progress');
  });

  it('without If-Match is 428, saying which version to send', async () => {
    const task = await received();
    const res = await refused(put(meso, task, { status: 'accepted' }, { headers: {} } as never));
    expect(res.status).toBe(428);
    expectOutcome(res.data, 'required', /If-Match: W\/"2"/);
    expect(issuesAt(res.data, 'If-Match')).toHaveLength(1);
  });

  it('with a stale If-Match is 412', async () => {
    const task = await received();
    const res = await refused(put(meso, task, { status: 'accepted' }, { headers: { 'If-Match': 'W/"1"' } }));
    expect(res.status).toBe(412);
    expectOutcome(res.data, 'conflict', /W\/"2"/);
  });

  it('of two racing acceptors exactly one wins; the other gets 412', async () => {
    const task = await received();
    const outcomes = await Promise.all(
      [0, 1].map(() =>
        put(meso, task, { status: 'accepted' }).then(
          (t) => statusOf(t),
          (err: { response?: { status: number } }) => err.response?.status,
        ),
      ),
    );
    expect(outcomes.sort()).toEqual([200, 412]);
    const stored = (await meso.read({ resourceType: 'Task', id: task.id as string })) as unknown as Task;
    expect(stored.meta?.versionId).toBe('3');
  });

  it('an illegal transition is 422 at Task.status, naming the allowed next statuses', async () => {
    const task = await newReferral();
    const res = await refused(put(meso, task, { status: 'completed' }));
    expect(res.status).toBe(422);
    const [problem] = issuesAt(res.data, 'Task.status');
    expect(problem.diagnostics).toMatch(/from 'requested' to 'completed'.*received, cancelled/);
  });

  it('may not change what was asked: a new focus is 422 at Task.focus', async () => {
    const task = await received();
    const res = await refused(put(meso, task, { focus: { reference: 'ServiceRequest/another' } }));
    expect(res.status).toBe(422);
    expect(issuesAt(res.data, 'Task.focus')[0].diagnostics).toMatch(/cannot be changed/);
  });

  it('rejects only with a coded reason', async () => {
    const task = await received();
    const bare = await refused(put(meso, task, { status: 'rejected' }));
    expect(bare.status).toBe(422);
    expect(issuesAt(bare.data, 'Task.statusReason').length).toBeGreaterThan(0);
    const reason = { coding: [{ system: REJECTION_REASON, code: 'geen-bed-beschikbaar' }] };
    const rejected = await put(meso, task, { status: 'rejected', statusReason: reason });
    expect(rejected.status).toBe('rejected');
  });
});

describe('the requester', () => {
  it('cancels its referral (200)', async () => {
    const task = await received();
    const cancelled = await put(vvt, task, { status: 'cancelled', note: [{ text: 'Cliënt verhuisd' }] });
    expect(statusOf(cancelled)).toBe(200);
    expect(cancelled.status).toBe('cancelled');
  });

  it('may not accept it: 403, because only the owner may (the same change from the owner is fine)', async () => {
    const task = await received();
    const res = await refused(put(vvt, task, { status: 'accepted' }));
    expect(res.status).toBe(403);
    expectOutcome(res.data, 'forbidden', /Only the Task's owner .*may only cancel it/);
  });
});

describe('PATCH (JSON Patch)', () => {
  const patch = (
    client: Client,
    task: Task,
    ops: unknown[],
    headers: Record<string, string> = ifMatch(task).headers,
  ) =>
    client.patch({
      resourceType: 'Task',
      id: task.id as string,
      JSONPatch: ops as never,
      options: { headers },
    }) as never as Promise<Task>;

  it('changes the status under the same rules as PUT', async () => {
    const task = await received();
    const ops = [
      { op: 'test', path: '/status', value: 'received' },
      { op: 'replace', path: '/status', value: 'accepted' },
    ];
    const accepted = await patch(meso, task, ops);
    expect(statusOf(accepted)).toBe(200);
    expect(accepted.status).toBe('accepted');
    expect(accepted.meta?.versionId).toBe('3');
    // The same rules: If-Match, the state machine, the owner.
    const start = [{ op: 'replace', path: '/status', value: 'in-progress' }];
    expect((await refused(patch(meso, accepted, start, {}))).status).toBe(428);
    expect((await refused(patch(meso, accepted, start, { 'If-Match': 'W/"2"' }))).status).toBe(412);
    expect((await refused(patch(vvt, accepted, start))).status).toBe(403);
    const back = await refused(
      patch(meso, accepted, [{ op: 'replace', path: '/status', value: 'requested' }]),
    );
    expect(back.status).toBe(422);
    expect(issuesAt(back.data, 'Task.status')[0].diagnostics).toMatch(/in-progress, cancelled/);
  });

  it('refuses a bad patch document, naming the operation', async () => {
    const task = await received();
    const failedTest = await refused(
      patch(meso, task, [{ op: 'test', path: '/status', value: 'requested' }]),
    );
    expect(failedTest.status).toBe(422);
    expectOutcome(failedTest.data, 'processing', /operation 0/);
    const missing = await refused(
      patch(meso, task, [
        { op: 'replace', path: '/status', value: 'accepted' },
        { op: 'remove', path: '/nothing/here' },
      ]),
    );
    expect(missing.status).toBe(422);
    expectOutcome(missing.data, 'processing', /operation 1/);
    const invalid = await refused(patch(meso, task, [{ op: 'frobnicate', path: '/status' }]));
    expect(invalid.status).toBe(400);
    expectOutcome(invalid.data, 'invalid', /operation 0/);
    const notArray = await refused(patch(meso, task, { op: 'replace' } as never));
    expect(notArray.status).toBe(400);
    const stored = (await meso.read({ resourceType: 'Task', id: task.id as string })) as unknown as Task;
    expect(stored.meta?.versionId).toBe('2');
  });

  it('needs Content-Type application/json-patch+json (415 otherwise)', async () => {
    const task = await received();
    const res = await fetch(`${server.baseUrl}/Task/${task.id}`, {
      method: 'PATCH',
      headers: {
        authorization: await server.authHeader('meso-team'),
        'content-type': 'application/fhir+json',
        'if-match': 'W/"2"',
      },
      body: JSON.stringify([{ op: 'replace', path: '/status', value: 'accepted' }]),
    });
    expect(res.status).toBe(415);
    expectOutcome(await res.json(), 'not-supported', /application\/json-patch\+json/);
  });

  it('is listed for Task in the CapabilityStatement', async () => {
    const statement = (await meso.capabilityStatement()) as unknown as {
      rest: Array<{ resource: Array<{ type: string; interaction: Array<{ code: string }> }> }>;
    };
    const task = statement.rest[0].resource.find((r) => r.type === 'Task');
    expect(task?.interaction.map((i) => i.code)).toContain('patch');
  });
});
