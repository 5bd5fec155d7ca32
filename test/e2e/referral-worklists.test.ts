import type Client from 'fhir-kit-client';
import type { Bundle, Organization, PractitionerRole, Task } from '@medplum/fhirtypes';
import { startTestServer, type TestServer } from '../support/test-server';
import { ORG_URA, REFERRAL_KIND, URA, byDemoId, byIdentifier, getBundle, resourcesOf } from './e2e-helpers';
import { SENDER_REFERRALS, moveTask, orgRef, postReferral, type PostedReferral } from './referral-helpers';

/**
 * The referral work lists of issue 11 on the real server: the MESO team's inbox (its open Tasks, newest first,
 * with their ServiceRequests and Patients), the VVT's outbox (what it sent, by organisation, PractitionerRole or
 * URA), searches by kind, business status and the sender's referral number; and nobody else sees them.
 */
let server: TestServer;
let vvt: Client;
let meso: Client;
let gp: Client;
let admin: Client;
let mesoOrg: Organization;
let vvtOrg: Organization;
let vvtRole: PractitionerRole;
/** A, B, C: VVT → MESO team; D: VVT → GP practice (another owner); E: GP practice → MESO team. */
const r: Record<'A' | 'B' | 'C' | 'D' | 'E', PostedReferral> = {} as never;
const WORKLOAD = 'https://meso-midden-drenthe.example.nl/fhir/CodeSystem/werkvoorraad';

const ids = (bundle: Bundle, type = 'Task') => resourcesOf(bundle, type, 'match').map((x) => x.id);
const includes = (bundle: Bundle, type: string) =>
  resourcesOf(bundle, type, 'include')
    .map((x) => x.id)
    .sort();
const taskIds = (...keys: Array<keyof typeof r>) => keys.map((k) => r[k].task.id);

beforeAll(async () => {
  server = await startTestServer({ LOAD_DEMO_DATA: 'true' });
  [vvt, meso, gp, admin] = await Promise.all(
    (['vvt', 'meso-team', 'gp', 'admin'] as const).map((role) => server.client(role)),
  );
  mesoOrg = await byIdentifier<Organization>(admin, 'Organization', URA, ORG_URA['meso-team']);
  vvtOrg = await byIdentifier<Organization>(admin, 'Organization', URA, ORG_URA.vvt);
  const gpOrg = await byIdentifier<Organization>(admin, 'Organization', URA, ORG_URA.gp);
  vvtRole = await byDemoId<PractitionerRole>(admin, 'PractitionerRole', 'wijkverpleegkundige-role');
  const toMeso = orgRef(mesoOrg.id as string, ORG_URA['meso-team']);
  const fromVvt = orgRef(vvtOrg.id as string, ORG_URA.vvt);
  const nurse = {
    reference: `PractitionerRole/${vvtRole.id}`,
    type: 'PractitionerRole' as const,
    identifier: { system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: '75012348' },
  };
  const at = (day: string) => `2026-11-${day}T09:00:00+01:00`;
  r.A = await postReferral(vvt, admin, {
    bsn: '999920005',
    number: 'WL-A',
    requester: fromVvt,
    owner: toMeso,
    authoredOn: at('01'),
  });
  r.B = await postReferral(vvt, admin, {
    bsn: '999920017',
    number: 'WL-B',
    requester: nurse,
    owner: toMeso,
    authoredOn: at('03'),
  });
  r.C = await postReferral(vvt, admin, {
    bsn: '999920029',
    number: 'WL-C',
    requester: fromVvt,
    owner: toMeso,
    authoredOn: at('02'),
  });
  r.D = await postReferral(vvt, admin, {
    bsn: '999921101',
    number: 'WL-D',
    requester: fromVvt,
    owner: orgRef(gpOrg.id as string, ORG_URA.gp),
    kind: 'elv-aanvraag',
    authoredOn: at('04'),
  });
  r.E = await postReferral(gp, admin, {
    bsn: '999921113',
    number: 'WL-E',
    requester: orgRef(gpOrg.id as string, ORG_URA.gp),
    owner: toMeso,
    authoredOn: at('05'),
  });
  const intake = { coding: [{ system: WORKLOAD, code: 'intake-gepland' }], text: 'Intake gepland' };
  r.B.task = await moveTask(meso, r.B.task, { status: 'received', businessStatus: intake });
  r.C.task = await moveTask(meso, r.C.task, { status: 'received' });
  r.C.task = await moveTask(meso, r.C.task, { status: 'accepted' });
}, 120_000);
afterAll(() => server.close());

describe('the MESO team inbox', () => {
  const inbox = () =>
    `Task?owner=Organization/${mesoOrg.id}&status=requested,received&_sort=-authored-on` +
    '&_include=Task:focus&_include=Task:patient';

  it('holds exactly its open Tasks, newest first, with their ServiceRequests and Patients', async () => {
    const bundle = await getBundle(meso, inbox());
    expect(ids(bundle)).toEqual(taskIds('E', 'B', 'A'));
    // The same as the admin finds (nothing of the demo data is open), so nothing is hidden from the team.
    expect(ids(await getBundle(admin, inbox()))).toEqual(taskIds('E', 'B', 'A'));
    expect(includes(bundle, 'ServiceRequest')).toEqual(
      [r.E, r.B, r.A].map((x) => x.serviceRequest.id).sort(),
    );
    expect(includes(bundle, 'Patient')).toEqual([r.E, r.B, r.A].map((x) => x.patientId).sort());
  });

  it('holds nothing owned by another organisation, nor a Task the team has accepted', async () => {
    const bundle = await getBundle(meso, inbox());
    const all = [...ids(bundle), ...includes(bundle, 'ServiceRequest'), ...includes(bundle, 'Patient')];
    for (const other of [r.C, r.D]) {
      expect(all).not.toContain(other.task.id);
      expect(all).not.toContain(other.serviceRequest.id);
    }
    const tasks = resourcesOf<Task>(bundle, 'Task', 'match');
    expect(tasks.every((t) => t.owner?.reference === `Organization/${mesoOrg.id}`)).toBe(true);
  });
});

describe("the VVT's outbox", () => {
  it('lists what its organisation sent, last changed first', async () => {
    const bundle = await getBundle(vvt, `Task?requester=Organization/${vvtOrg.id}&_sort=-_lastUpdated`);
    // C was accepted after D was sent; E is the GP's, B was sent by the VVT's nurse.
    expect(ids(bundle)).toEqual(taskIds('C', 'D', 'A'));
  });

  it("lists what its PractitionerRole sent, as the VVT's own demo aanmelding", async () => {
    const bundle = await getBundle(vvt, `Task?requester=PractitionerRole/${vvtRole.id}&_sort=-_lastUpdated`);
    const demo = await byDemoId<Task>(admin, 'Task', 'client-2-aanmelding-task');
    expect(ids(bundle)).toEqual([r.B.task.id, demo.id]);
  });

  it('lists what was sent under its URA (requester:identifier)', async () => {
    const bundle = await getBundle(vvt, `Task?requester:identifier=${URA}|${ORG_URA.vvt}&_sort=authored-on`);
    expect(ids(bundle)).toEqual(taskIds('A', 'C', 'D'));
  });
});

describe('searches on referrals', () => {
  it('Task?code finds the referrals of one kind', async () => {
    const bundle = await getBundle(vvt, `Task?code=${REFERRAL_KIND}|elv-aanvraag`);
    const tasks = resourcesOf<Task>(bundle, 'Task', 'match');
    expect(ids(bundle)).toContain(r.D.task.id);
    expect(tasks.every((t) => t.code?.coding?.some((c) => c.code === 'elv-aanvraag'))).toBe(true);
    expect(ids(bundle)).not.toContain(r.A.task.id);
  });

  it('Task?business-status finds the referrals the owner marked', async () => {
    const bundle = await getBundle(meso, `Task?business-status=${WORKLOAD}|intake-gepland`);
    expect(ids(bundle)).toEqual(taskIds('B'));
  });

  it("ServiceRequest?identifier finds a referral by the sender's number", async () => {
    const bundle = await getBundle(vvt, `ServiceRequest?identifier=${SENDER_REFERRALS}|WL-A-sr`);
    expect(ids(bundle, 'ServiceRequest')).toEqual([r.A.serviceRequest.id]);
    const byTask = await getBundle(vvt, `Task?identifier=${SENDER_REFERRALS}|WL-A-task`);
    expect(ids(byTask)).toEqual(taskIds('A'));
  });
});

describe('other organisations', () => {
  it("the GP practice finds of the VVT's referrals only the one addressed to it", async () => {
    const inbox = await getBundle(
      gp,
      `Task?owner=Organization/${mesoOrg.id}&status=requested,received&_include=Task:focus`,
    );
    expect(ids(inbox)).toEqual(taskIds('E'));
    expect(includes(inbox, 'ServiceRequest')).toEqual([r.E.serviceRequest.id]);
    expect(ids(await getBundle(gp, `Task?requester=Organization/${vvtOrg.id}`))).toEqual(taskIds('D'));
    const byUra = await getBundle(gp, `Task?requester:identifier=${URA}|${ORG_URA.vvt}&_include=Task:focus`);
    expect(ids(byUra)).toEqual(taskIds('D'));
    expect(includes(byUra, 'ServiceRequest')).toEqual([r.D.serviceRequest.id]);
    const sr = await getBundle(gp, `ServiceRequest?identifier=${SENDER_REFERRALS}|WL-A-sr`);
    expect(ids(sr, 'ServiceRequest')).toEqual([]);
  });

  it("the MESO team does not see the VVT's referral to another organisation", async () => {
    expect(ids(await getBundle(meso, `Task?requester=Organization/${vvtOrg.id}`))).not.toContain(r.D.task.id);
  });
});
