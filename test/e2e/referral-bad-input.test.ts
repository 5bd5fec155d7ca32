import type Client from 'fhir-kit-client';
import type { Bundle, Organization, ServiceRequest, Task } from '@medplum/fhirtypes';
import { startTestServer, type TestServer } from '../support/test-server';
import { BSN, ORG_URA, URA, byIdentifier, issuesAt, refused, type ErrorResponse } from './e2e-helpers';
import {
  SENDER_REFERRALS,
  moveTask,
  orgRef,
  postReferral,
  referralBundle,
  type Party,
  type ReferralInput,
} from './referral-helpers';

/**
 * Bad referral input (issue 11) through the real server: each gets a 4xx OperationOutcome at the element to
 * fix, and nothing is stored (checked with the admin's searches and reads).
 */
let server: TestServer;
let vvt: Client;
let meso: Client;
let admin: Client;
let fromVvt: Party;
let toMeso: Party;

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  [vvt, meso, admin] = await Promise.all(
    (['vvt', 'meso-team', 'admin'] as const).map((role) => server.client(role)),
  );
  const vvtOrg = await byIdentifier<Organization>(admin, 'Organization', URA, ORG_URA.vvt);
  const mesoOrg = await byIdentifier<Organization>(admin, 'Organization', URA, ORG_URA['meso-team']);
  fromVvt = orgRef(vvtOrg.id as string, ORG_URA.vvt);
  toMeso = orgRef(mesoOrg.id as string, ORG_URA['meso-team']);
}, 120_000);
afterAll(() => server.close());

const input = (bsn: string, number: string): ReferralInput => ({
  bsn,
  number,
  requester: fromVvt,
  owner: toMeso,
});

/** How many resources of the type the admin finds with this identifier (`system|value`). */
async function stored(type: string, identifier: string): Promise<number> {
  const bundle = (await admin.search({
    resourceType: type,
    searchParams: { identifier, _total: 'accurate' },
  })) as unknown as Bundle;
  return bundle.total as number;
}

/** Nothing of referral `number` (its Patient by BSN, its ServiceRequest, its Task) is in the store. */
async function expectNothingStored(bsn: string, number: string): Promise<void> {
  expect(await stored('Patient', `${BSN}|${bsn}`)).toBe(0);
  expect(await stored('ServiceRequest', `${SENDER_REFERRALS}|${number}-sr`)).toBe(0);
  expect(await stored('Task', `${SENDER_REFERRALS}|${number}-task`)).toBe(0);
}

/** The single issue at `path` with diagnostics matching `pattern`. */
function expectIssue(res: ErrorResponse, path: string, pattern: RegExp): void {
  const hits = issuesAt(res.data, path).filter((i) => pattern.test(i.diagnostics ?? ''));
  if (!hits.length) throw new Error(`no issue at ${path} matching ${pattern} in ${JSON.stringify(res.data)}`);
  expect(hits[0].severity).toBe('error');
}

function post(bundle: Bundle): Promise<ErrorResponse> {
  return refused(vvt.transaction({ body: bundle as never }));
}

describe('a referral Bundle with bad input stores nothing', () => {
  it('a referral for an invalid BSN (11-proef) is 422 at the Patient identifier', async () => {
    const res = await post(referralBundle(input('999920006', 'BAD-1')));
    expect(res.status).toBe(422);
    expectIssue(res, 'Bundle.entry[0].resource.identifier[0].value', /11-proef|BSN/i);
    await expectNothingStored('999920006', 'BAD-1');
  });

  it('a Task whose focus is not a referral ServiceRequest is 422 at Task.focus', async () => {
    const bundle = referralBundle(input('999922233', 'BAD-2'));
    // The request is another kind of ServiceRequest (the base profile, no referral kind).
    const request = bundle.entry?.[1].resource as ServiceRequest;
    request.meta = { profile: ['http://hl7.org/fhir/StructureDefinition/ServiceRequest'] };
    request.code = { text: 'Fysiotherapie' };
    const res = await post(bundle);
    expect(res.status).toBe(422);
    expectIssue(res, 'Bundle.entry[2].resource.focus', /is not a referral/);
    await expectNothingStored('999922233', 'BAD-2');

    // Nor a Patient.
    const toPatient = referralBundle(input('999922233', 'BAD-2'));
    const task = toPatient.entry?.[2].resource as Task;
    task.focus = { reference: toPatient.entry?.[0].fullUrl };
    const again = await post(toPatient);
    expect(again.status).toBe(422);
    expect(issuesAt(again.data, 'Bundle.entry[2].resource.focus').length).toBeGreaterThan(0);
    await expectNothingStored('999922233', 'BAD-2');
  });

  it('a referral posted with a decision already taken (status accepted) is 422 at Task.status', async () => {
    const bundle = referralBundle(input('999922282', 'BAD-5'));
    (bundle.entry?.[2].resource as Task).status = 'accepted';
    const res = await post(bundle);
    expect(res.status).toBe(422);
    expectIssue(
      res,
      'Bundle.entry[2].resource.status',
      /starts in status 'requested' \(this one has 'accepted'\)/,
    );
    await expectNothingStored('999922282', 'BAD-5');
    // Not as a single POST /Task either: no zorgtraject was opened behind the owner's back.
    const { task } = await postReferral(vvt, admin, input('999922294', 'BAD-6'));
    const { id: _id, meta: _meta, ...copy } = task;
    const identifier = [{ system: SENDER_REFERRALS, value: 'BAD-6-copy' }];
    const single = await refused(
      vvt.create({ resourceType: 'Task', body: { ...copy, identifier, status: 'completed' } as never }),
    );
    expect(single.status).toBe(422);
    expectIssue(single, 'Task.status', /starts in status 'requested'/);
    expect(await stored('Task', `${SENDER_REFERRALS}|BAD-6-copy`)).toBe(0);
  });

  it('an owner that is not a known organisation is 422 at Task.owner.identifier', async () => {
    const bundle = referralBundle({
      ...input('999922245', 'BAD-3'),
      owner: { type: 'Organization', identifier: { system: URA, value: '90000099' } },
    });
    const res = await post(bundle);
    expect(res.status).toBe(422);
    expectIssue(
      res,
      'Bundle.entry[2].resource.owner.identifier',
      /no organisation in this server's directory/,
    );
    await expectNothingStored('999922245', 'BAD-3');
  });
});

describe('a bad change of a referral Task stores nothing', () => {
  let task: Task;

  beforeAll(async () => {
    ({ task } = await postReferral(vvt, admin, input('999922257', 'BAD-4')));
    task = await moveTask(meso, task, { status: 'received' });
  });

  const unchanged = async () => {
    const current = (await admin.read({ resourceType: 'Task', id: task.id as string })) as unknown as Task;
    expect(current.meta?.versionId).toBe(task.meta?.versionId);
    expect(current.status).toBe('received');
    expect(current.for).toEqual(task.for);
  };

  it('a rejection without a reason is 422 at Task.statusReason', async () => {
    const res = await refused(moveTask(meso, task, { status: 'rejected' }));
    expect(res.status).toBe(422);
    expectIssue(res, 'Task.statusReason', /statusReason coded from/);
    await unchanged();
  });

  it('a change of an immutable field (Task.for) is 422 at Task.for', async () => {
    const other = await byIdentifier(admin, 'Patient', BSN, '999901199');
    const res = await refused(moveTask(meso, task, { for: { reference: `Patient/${other.id}` } }));
    expect(res.status).toBe(422);
    expectIssue(res, 'Task.for', /cannot be changed/);
    // Also by the requester, and together with a legal status change.
    const cancel = await refused(
      moveTask(vvt, task, { status: 'cancelled', for: { reference: `Patient/${other.id}` } }),
    );
    expect(cancel.status).toBe(422);
    expectIssue(cancel, 'Task.for', /cannot be changed/);
    await unchanged();
  });
});
