import Client from 'fhir-kit-client';
import type { Bundle, Organization, Patient, ServiceRequest, Task } from '@medplum/fhirtypes';
import { startTestServer, type TestServer, expectOutcome } from '../support/test-server';
import { SENDER_REFERRALS, patientWithBsn, referralBundle as senderBundle } from './referral-helpers';
import {
  BSN,
  PROFILE,
  REJECTION_REASON,
  URA,
  byIdentifier,
  issuesAt,
  refOf,
  refused,
  resourcesOf,
  statusOf,
} from './e2e-helpers';

/**
 * The VVT system (ECD van Zorggroep Het Drentse Erf) posts an aanmelding for the MESO team as one transaction:
 * conditional create of the Patient by BSN, a referral ServiceRequest and a referral Task. The MESO team (the
 * Task's owner) accepts or rejects it; a rejection always carries a coded reason. Both sides see the status.
 */
let server: TestServer;
let vvt: Client;
let meso: Client;
let platform: Client;
let admin: Client;
let vvtOrg: Organization;
let mesoOrg: Organization;

/** The VVT's own referral numbers. */
const VVT_REFERRALS = SENDER_REFERRALS;

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  [vvt, meso, platform, admin] = await Promise.all([
    server.client('vvt'),
    server.client('meso-team'),
    server.client('platform'),
    server.client('admin'),
  ]);
  vvtOrg = await byIdentifier<Organization>(vvt, 'Organization', URA, '90000033');
  mesoOrg = await byIdentifier<Organization>(vvt, 'Organization', URA, '90000022');
});
afterAll(() => server.close());

const party = (org: Organization, ura: string) => ({
  reference: refOf(org),
  type: 'Organization' as const,
  display: org.name,
  identifier: { system: URA, value: ura },
});

/** An aanmelding as the VVT's ECD sends it (test/e2e/referral-helpers.ts), from the VVT to the MESO team. */
function referralBundle(bsn: string, referralNumber: string, family = 'Overschreven'): Bundle {
  return senderBundle({
    bsn,
    number: referralNumber,
    family,
    requester: party(vvtOrg, '90000033'),
    owner: party(mesoOrg, '90000022'),
  });
}

const idFromLocation = (location?: string) => location?.match(/\/(?:[A-Za-z]+)\/([^/]+)\/_history\//)?.[1];

async function countByIdentifier(client: Client, type: string, value: string): Promise<number> {
  const bundle = (await client.search({
    resourceType: type,
    searchParams: { identifier: `${VVT_REFERRALS}|${value}`, _total: 'accurate' },
  })) as unknown as Bundle;
  return bundle.total as number;
}

describe('the VVT posts a referral as a transaction', () => {
  let taskId: string;

  it('matches the existing patient by BSN without overwriting it, and creates the ServiceRequest and Task', async () => {
    const before = await byIdentifier<Patient>(admin, 'Patient', BSN, '999901199');

    const response = (await vvt.transaction({
      body: referralBundle('999901199', 'A-2026-0042') as never,
    })) as unknown as Bundle;
    expect(response.type).toBe('transaction-response');
    const [patientEntry, requestEntry, taskEntry] = response.entry ?? [];
    expect(patientEntry.response?.status).toMatch(/^200/);
    expect(idFromLocation(patientEntry.response?.location)).toBe(before.id);
    expect(requestEntry.response?.status).toMatch(/^201/);
    expect(taskEntry.response?.status).toMatch(/^201/);
    taskId = idFromLocation(taskEntry.response?.location) as string;
    const requestId = idFromLocation(requestEntry.response?.location) as string;

    // The existing patient is exactly as it was: same version, same name, nothing of the VVT's copy.
    const after = (await admin.read({
      resourceType: 'Patient',
      id: before.id as string,
    })) as unknown as Patient;
    expect(after.meta?.versionId).toBe(before.meta?.versionId);
    expect(after.name).toEqual(before.name);
    expect(after).toEqual(before);

    // The references inside the bundle were resolved to the stored resources.
    const task = (await vvt.read({ resourceType: 'Task', id: taskId })) as unknown as Task;
    expect(task.for?.reference).toBe(`Patient/${before.id}`);
    expect(task.focus?.reference).toBe(`ServiceRequest/${requestId}`);
    expect(task.status).toBe('requested');
    expect(task.meta?.profile).toContain(PROFILE.Task);
    const request = (await vvt.read({
      resourceType: 'ServiceRequest',
      id: requestId,
    })) as unknown as ServiceRequest;
    expect(request.subject.reference).toBe(`Patient/${before.id}`);
  });

  it('the VVT may not update the existing patient directly either', async () => {
    const patient = await byIdentifier<Patient>(vvt, 'Patient', BSN, '999901199');
    const res = await refused(
      vvt.update({
        resourceType: 'Patient',
        id: patient.id as string,
        body: { ...patient, name: [{ family: 'Overschreven' }] } as never,
      }),
    );
    expect(res.status).toBe(403);
    expectOutcome(res.data, 'forbidden');
  });

  it('reposting the same referral creates no duplicate', async () => {
    const response = (await vvt.transaction({
      body: referralBundle('999901199', 'A-2026-0042') as never,
    })) as unknown as Bundle;
    const statuses = (response.entry ?? []).map((e) => e.response?.status?.slice(0, 3));
    expect(statuses).toEqual(['200', '200', '200']);
    expect(idFromLocation(response.entry?.[2].response?.location)).toBe(taskId);

    for (const client of [vvt, admin]) {
      expect(await countByIdentifier(client, 'ServiceRequest', 'A-2026-0042-sr')).toBe(1);
      expect(await countByIdentifier(client, 'Task', 'A-2026-0042-task')).toBe(1);
    }
    const patients = (await admin.search({
      resourceType: 'Patient',
      searchParams: { identifier: `${BSN}|999901199`, _total: 'accurate' },
    })) as unknown as Bundle;
    expect(patients.total).toBe(1);
  });

  it('a referral for a new client creates the patient once', async () => {
    const first = (await vvt.transaction({
      body: referralBundle('999900079', 'A-2026-0043', 'Hoving') as never,
    })) as unknown as Bundle;
    expect(first.entry?.[0].response?.status).toMatch(/^201/);
    await vvt.transaction({ body: referralBundle('999900079', 'A-2026-0043', 'Hoving') as never });
    const patients = (await admin.search({
      resourceType: 'Patient',
      searchParams: { identifier: `${BSN}|999900079`, _total: 'accurate' },
    })) as unknown as Bundle;
    expect(patients.total).toBe(1);
    expect(resourcesOf<Patient>(patients, 'Patient')[0].name?.[0].family).toBe('Hoving');
  });

  it('a referral for a client the service knows but the VVT cannot see yet does not create a second patient', async () => {
    // Registered earlier by someone else (here: the admin), with no link to the VVT.
    const known = (await admin.create({
      resourceType: 'Patient',
      body: patientWithBsn('999900080', 'Bekend') as never,
    })) as unknown as Patient;
    await vvt.transaction({ body: referralBundle('999900080', 'A-2026-0044') as never });
    const patients = (await admin.search({
      resourceType: 'Patient',
      searchParams: { identifier: `${BSN}|999900080`, _total: 'accurate' },
    })) as unknown as Bundle;
    expect(patients.total).toBe(1);
    const stored = (await admin.read({
      resourceType: 'Patient',
      id: known.id as string,
    })) as unknown as Patient;
    expect(stored.name?.[0].family).toBe('Bekend');
    expect(stored.meta?.versionId).toBe('1');
  });

  describe('the MESO team (the owner) answers', () => {
    /** An update of a referral Task names the version it changes (If-Match; issue 11). */
    const update = (task: Task) =>
      meso.update({
        resourceType: 'Task',
        id: taskId,
        body: task as never,
        options: { headers: { 'If-Match': `W/"${task.meta?.versionId}"` } },
      });
    const reject = async (statusReason?: Task['statusReason']) => {
      const task = (await meso.read({ resourceType: 'Task', id: taskId })) as unknown as Task;
      const body: Task = { ...task, status: 'rejected', lastModified: '2026-09-02T09:00:00+02:00' };
      if (statusReason) body.statusReason = statusReason;
      else delete body.statusReason;
      return update(body);
    };

    it('marks the referral received (the state machine: requested → received → accepted | rejected)', async () => {
      const task = (await meso.read({ resourceType: 'Task', id: taskId })) as unknown as Task;
      const received = (await update({ ...task, status: 'received' })) as unknown as Task;
      expect(received.status).toBe('received');
      expect(received.meta?.versionId).toBe('2');
    });

    it('a rejection without a coded reason is 422, pointing at Task.statusReason', async () => {
      const res = await refused(reject());
      expect(res.status).toBe(422);
      expect(issuesAt(res.data, 'Task.statusReason').length).toBeGreaterThan(0);
      expect(
        issuesAt(res.data, 'Task.statusReason').every(
          (i) => i.severity === 'error' || i.severity === 'fatal',
        ),
      ).toBe(true);

      // Free text only is not a coded reason either.
      const textOnly = await refused(reject({ text: 'Geen plek' }));
      expect(textOnly.status).toBe(422);
      expect(issuesAt(textOnly.data, 'Task.statusReason').length).toBeGreaterThan(0);

      // "overig" needs an explanation.
      const other = await refused(
        reject({ coding: [{ system: REJECTION_REASON, code: 'overig', display: 'Overig' }] }),
      );
      expect(other.status).toBe(422);
      expect(issuesAt(other.data, 'Task.statusReason').length).toBeGreaterThan(0);

      // Nothing was stored.
      const task = (await meso.read({ resourceType: 'Task', id: taskId })) as unknown as Task;
      expect(task.status).toBe('received');
      expect(task.meta?.versionId).toBe('2');
    });

    it('a rejection with reason geen-bed-beschikbaar is stored, and the VVT sees status and reason', async () => {
      const rejected = (await reject({
        coding: [{ system: REJECTION_REASON, code: 'geen-bed-beschikbaar', display: 'Geen bed beschikbaar' }],
        text: 'Team zit vol tot half oktober.',
      })) as unknown as Task;
      expect(statusOf(rejected)).toBe(200);
      expect(rejected.status).toBe('rejected');
      expect(rejected.meta?.versionId).toBe('3');

      const seen = (await vvt.read({ resourceType: 'Task', id: taskId })) as unknown as Task;
      expect(seen.status).toBe('rejected');
      expect(seen.statusReason?.coding).toContainEqual(
        expect.objectContaining({ system: REJECTION_REASON, code: 'geen-bed-beschikbaar' }),
      );

      // And through a search, as an ECD polling its referrals would.
      const mine = (await vvt.search({
        resourceType: 'Task',
        searchParams: { requester: refOf(vvtOrg), status: 'rejected' },
      })) as unknown as Bundle;
      expect(resourcesOf(mine, 'Task', 'match').map((t) => t.id)).toContain(taskId);
    });
  });

  describe('the regional platform only reads', () => {
    it('may not update a Task or create a referral (403)', async () => {
      const task = (await platform.read({ resourceType: 'Task', id: taskId })) as unknown as Task;
      const update = await refused(
        platform.update({ resourceType: 'Task', id: taskId, body: { ...task, status: 'accepted' } as never }),
      );
      expect(update.status).toBe(403);
      expectOutcome(update.data, 'forbidden');

      const create = await refused(vvtLikeCreate(platform));
      expect(create.status).toBe(403);
      expectOutcome(create.data, 'forbidden');

      const transaction = await refused(
        platform.transaction({ body: referralBundle('999900092', 'P-1') as never }),
      );
      expect(transaction.status).toBe(403);
      expect(await countByIdentifier(admin, 'Task', 'P-1-task')).toBe(0);

      const stored = (await admin.read({ resourceType: 'Task', id: taskId })) as unknown as Task;
      expect(stored.status).toBe('rejected');
    });
  });
});

function vvtLikeCreate(client: Client) {
  const bundle = referralBundle('999901199', 'P-0');
  const request = bundle.entry?.[1].resource as ServiceRequest;
  return client.create({
    resourceType: 'ServiceRequest',
    body: { ...request, subject: { reference: 'Patient/x' } } as never,
  });
}
